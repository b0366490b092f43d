#include "config/sections.h"

#include <algorithm>

#include "util/suggest.h"

namespace detour {
namespace {

const std::vector<std::string> kStrategies = {"simple-shuffle", "least-busy", "lowest-latency",
                                              "usage",          "cost",       "priority"};
const std::vector<std::string> kStreamResume = {"replay", "off"};

// A string that must be one of `allowed`.
std::optional<std::string> OneOf(TomlReader& r, const toml::node& n, const std::string& p,
                                 const char* what, const std::vector<std::string>& allowed) {
  auto v = r.String(n, p);
  if (!v) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *v) != allowed.end()) return v;
  r.Issue(TomlReader::Line(n), p, UnknownName(what, *v, allowed));
  return std::nullopt;
}

void ReadBackoff(TomlReader& r, const toml::node& n, const std::string& p, RouterConfig& c) {
  static const std::vector<Field<Backoff>> fields = {
      DurationField("base", &Backoff::base),
      DurationField("max", &Backoff::max),
  };
  if (const auto* t = r.Table(n, p)) ReadFields(r, *t, p, fields, c.backoff);
}

void ReadRetryPolicy(TomlReader& r, const toml::node& n, const std::string& p, RouterConfig& c) {
  const auto* t = r.Table(n, p);
  if (!t) return;
  std::vector<std::string> kinds;
  for (int i = 0; i < kErrorKindCount; ++i)
    kinds.emplace_back(KindName(static_cast<ErrorKind>(i)));
  for (auto&& [key, value] : *t) {
    std::string k(key.str());
    std::string kp = TomlReader::Join(p, k);
    auto kind = KindFromName(k);
    if (!kind) {
      r.Issue(TomlReader::Line(value), kp,
              "unknown error kind \"" + k + "\"" + DidYouMean(k, kinds));
      continue;
    }
    if (auto v = r.Int(value, kp, 0, 100)) c.retry_policy[static_cast<int>(*kind)] = *v;
  }
}

// group -> [groups]; names are checked against the deployments later (validate.h).
void ReadFallbackMap(TomlReader& r, const toml::node& n, const std::string& p,
                     std::map<std::string, std::vector<std::string>>& out) {
  const auto* t = r.Table(n, p);
  if (!t) return;
  for (auto&& [key, value] : *t) {
    std::string k(key.str());
    if (auto groups = r.StringArray(value, TomlReader::Join(p, k))) out[k] = *groups;
  }
}

// [router.hedge] group = { after = "800ms" | "p95", max_ratio = 0.05 }; group names are
// checked against the deployments later (validate.h).
void ReadHedge(TomlReader& r, const toml::node& n, const std::string& p, RouterConfig& c) {
  static const std::vector<Field<HedgeConfig>> fields = {
      {"after",
       [](TomlReader& r, const toml::node& n, const std::string& p, HedgeConfig& h) {
         if (n.is_string() && n.value<std::string>() == "p95") return;  // the default
         if (auto v = r.Duration(n, p)) h.after = *v;
       }},
      {"max_ratio",
       [](TomlReader& r, const toml::node& n, const std::string& p, HedgeConfig& h) {
         if (auto v = r.Number(n, p, 0)) {
           if (*v > 1) r.Issue(TomlReader::Line(n), p, "max_ratio is a share of requests, 0 to 1 (e.g. 0.05)");
           else h.max_ratio = *v;
         }
       }},
  };
  const auto* t = r.Table(n, p);
  if (!t) return;
  for (auto&& [key, value] : *t) {
    std::string k(key.str());
    std::string kp = TomlReader::Join(p, k);
    const auto* group = r.Table(value, kp);
    if (!group) continue;
    if (!group->contains("after"))
      r.Issue(TomlReader::Line(value), kp + ".after", "a hedge needs `after` (a duration such as \"800ms\", or \"p95\")");
    HedgeConfig h;
    ReadFields(r, *group, kp, fields, h);
    c.hedge[k] = h;
  }
}

// budget = { usd = 50, per = "day" }
std::optional<Budget> ReadBudget(TomlReader& r, const toml::node& n, const std::string& path) {
  static const std::vector<std::string> kPeriods = {"day", "month"};
  static const std::vector<Field<Budget>> fields = {
      {"usd",
       [](TomlReader& r, const toml::node& n, const std::string& p, Budget& b) {
         if (auto v = r.Number(n, p, 0)) b.usd = *v;
       }},
      {"per",
       [](TomlReader& r, const toml::node& n, const std::string& p, Budget& b) {
         if (auto v = OneOf(r, n, p, "budget period", kPeriods)) b.per = *v;
       }},
  };
  const auto* t = r.Table(n, path);
  if (!t) return std::nullopt;
  if (!t->contains("usd")) r.Issue(TomlReader::Line(n), path + ".usd", "a budget needs `usd` (dollars per period)");
  Budget b;
  ReadFields(r, *t, path, fields, b);
  return b;
}

// One api_keys entry: "KEY" or { key = "KEY", team = "search", budget = {...} }.
std::optional<ClientKey> ReadClientKey(TomlReader& r, const toml::node& n, const std::string& path) {
  ClientKey c;
  if (n.is_string()) {
    auto v = r.String(n, path);
    if (!v) return std::nullopt;
    c.key = *v;
    return c;
  }
  static const std::vector<Field<ClientKey>> fields = {
      StringField("key", &ClientKey::key),
      StringField("team", &ClientKey::team),
      {"budget",
       [](TomlReader& r, const toml::node& n, const std::string& p, ClientKey& c) {
         c.budget = ReadBudget(r, n, p);
       }},
  };
  const auto* t = r.Table(n, path);
  if (!t) return std::nullopt;
  ReadFields(r, *t, path, fields, c);
  if (c.key.empty()) {
    r.Issue(TomlReader::Line(n), path + ".key", "a client key table needs a non-empty `key`");
    return std::nullopt;
  }
  if (c.team.empty()) c.team = "default";
  return c;
}

void ReadApiKeys(TomlReader& r, const toml::node& n, const std::string& p, ServerConfig& s) {
  const auto* arr = n.as_array();
  if (!arr) {
    r.Issue(TomlReader::Line(n), p, "expected an array of keys (strings or { key, team, budget } tables)");
    return;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    auto c = ReadClientKey(r, *arr->get(i), TomlReader::Index(p, i));
    if (!c) continue;
    s.api_keys.push_back(c->key);
    s.clients.push_back(std::move(*c));
  }
}

}  // namespace

void ReadServer(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  static const std::vector<Field<ServerConfig>> fields = {
      StringField("listen", &ServerConfig::listen),
      {"api_keys", ReadApiKeys},
      {"max_body",
       [](TomlReader& r, const toml::node& n, const std::string& p, ServerConfig& s) {
         if (auto v = r.Size(n, p)) s.max_body = *v;
       }},
      DurationField("shutdown_grace", &ServerConfig::shutdown_grace),
      BoolField("allow_unauthenticated", &ServerConfig::allow_unauthenticated),
      IntField("threads", &ServerConfig::threads, 0, 1024),
  };
  if (const auto* t = r.Table(n, path)) ReadFields(r, *t, path, fields, c.server);
}

void ReadRouter(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  using R = RouterConfig;
  static const std::vector<Field<R>> fields = {
      StringField("default_model", &R::default_model),
      {"strategy",
       [](TomlReader& r, const toml::node& n, const std::string& p, R& c) {
         if (auto v = OneOf(r, n, p, "strategy", kStrategies)) c.strategy = *v;
       }},
      DurationField("timeout", &R::timeout),
      DurationField("first_token_timeout", &R::first_token_timeout),
      DurationField("stream_idle_timeout", &R::stream_idle_timeout),
      DurationField("request_timeout", &R::request_timeout),
      IntField("num_retries", &R::num_retries, 0, 100),
      {"backoff", ReadBackoff},
      DurationField("max_retry_after", &R::max_retry_after),
      IntField("allowed_fails", &R::allowed_fails, 0),
      DurationField("cooldown_window", &R::cooldown_window),
      DurationField("cooldown", &R::cooldown),
      DurationField("probe_interval", &R::probe_interval),
      {"stream_resume",
       [](TomlReader& r, const toml::node& n, const std::string& p, R& c) {
         if (auto v = OneOf(r, n, p, "stream_resume mode", kStreamResume)) c.stream_resume = *v;
       }},
      BoolField("session_affinity", &R::session_affinity),
      {"hedge", ReadHedge},
      {"retry_policy", ReadRetryPolicy},
      {"fallbacks",
       [](TomlReader& r, const toml::node& n, const std::string& p, R& c) {
         ReadFallbackMap(r, n, p, c.fallbacks);
       }},
      {"context_window_fallbacks",
       [](TomlReader& r, const toml::node& n, const std::string& p, R& c) {
         ReadFallbackMap(r, n, p, c.context_window_fallbacks);
       }},
      {"content_policy_fallbacks",
       [](TomlReader& r, const toml::node& n, const std::string& p, R& c) {
         ReadFallbackMap(r, n, p, c.content_policy_fallbacks);
       }},
  };
  if (const auto* t = r.Table(n, path)) ReadFields(r, *t, path, fields, c.router);
}

void ReadCache(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  static const std::vector<Field<CacheConfig>> fields = {
      BoolField("enabled", &CacheConfig::enabled),
      DurationField("ttl", &CacheConfig::ttl),
      {"max_entries",
       [](TomlReader& r, const toml::node& n, const std::string& p, CacheConfig& c) {
         if (auto v = r.Int(n, p, 0, INT64_MAX)) c.max_entries = static_cast<size_t>(*v);
       }},
  };
  if (const auto* t = r.Table(n, path)) ReadFields(r, *t, path, fields, c.cache);
}

void ReadUsage(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  static const std::vector<Field<UsageConfig>> fields = {StringField("log", &UsageConfig::log)};
  if (const auto* t = r.Table(n, path)) ReadFields(r, *t, path, fields, c.usage);
}

void ReadRecord(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  static const std::vector<Field<RecordConfig>> fields = {
      StringField("path", &RecordConfig::path)};
  if (const auto* t = r.Table(n, path)) ReadFields(r, *t, path, fields, c.record);
}

void ReadTelemetry(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  static const std::vector<Field<TelemetryConfig>> fields = {
      {"otlp_endpoint",
       [](TomlReader& r, const toml::node& n, const std::string& p, TelemetryConfig& t) {
         auto v = r.String(n, p);
         if (!v) return;
         // OTLP/HTTP collectors listen on plain URLs; the exporter appends /v1/traces.
         if (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0) {
           r.Issue(TomlReader::Line(n), p, "expected an http:// or https:// URL, e.g. \"http://127.0.0.1:4318\"");
           return;
         }
         while (!v->empty() && v->back() == '/') v->pop_back();
         t.otlp_endpoint = *v;
       }},
      {"service_name",
       [](TomlReader& r, const toml::node& n, const std::string& p, TelemetryConfig& t) {
         auto v = r.String(n, p);
         if (!v) return;
         if (v->empty()) r.Issue(TomlReader::Line(n), p, "service_name must not be empty");
         else t.service_name = *v;
       }},
  };
  if (const auto* t = r.Table(n, path)) ReadFields(r, *t, path, fields, c.telemetry);
}

}  // namespace detour
