// router_settings, litellm_settings and general_settings. LiteLLM reads the routing keys
// from both settings sections; router_settings wins when both set one (it is read last).
#include <algorithm>
#include <array>
#include <utility>

#include "config/litellm_internal.h"
#include "util/suggest.h"

namespace detour::litellm {
namespace {

using K = Key<Draft>;

// SPEC 3.4: LiteLLM's routing_strategy names -> detour's strategies.
constexpr std::array<std::pair<const char*, const char*>, 6> kStrategies = {{
    {"simple-shuffle", "simple-shuffle"},
    {"least-busy", "least-busy"},
    {"latency-based-routing", "lowest-latency"},
    {"usage-based-routing", "usage"},
    {"usage-based-routing-v2", "usage"},
    {"cost-based-routing", "cost"},
}};

// SPEC 2.4: LiteLLM's RetryPolicy fields -> detour's error kinds.
constexpr std::array<std::pair<const char*, const char*>, 6> kRetryNames = {{
    {"TimeoutErrorRetries", "timeout"},
    {"RateLimitErrorRetries", "rate_limit"},
    {"InternalServerErrorRetries", "server_error"},
    {"AuthenticationErrorRetries", "auth"},
    {"BadRequestErrorRetries", "bad_request"},
    {"ContentPolicyViolationErrorRetries", "content_policy"},
}};

// Beyond LiteLLM's own default of no overall deadline: detour's request_timeout (120 s by
// default) must not cut an attempt that LiteLLM would have let run.
constexpr double kDefaultRequestTimeoutS = 120;

void SetRouter(Draft& d, const std::string& key, std::string literal, int line,
               const std::string& path, std::string comment = "") {
  d.router.Set({key, std::move(literal), line, path, std::move(comment)});
}

void ReadStrategy(Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
  auto s = r.Scalar(v, p);
  if (!s) return;
  std::vector<std::string> names;
  for (const auto& [from, to] : kStrategies) {
    names.push_back(from);
    if (*s == from) return SetRouter(d, "strategy", TomlString(to), line, p);
  }
  r.Error(line, p, "routing_strategy \"" + *s + "\" is not supported by detour" + DidYouMean(*s, names) +
                       " (use simple-shuffle, least-busy, latency-based-routing, usage-based-routing, "
                       "usage-based-routing-v2 or cost-based-routing)");
}

void ReadRetryPolicy(Reader& r, const YAML::Node& v, int, const std::string& p, Draft& d) {
  if (!r.IsMap(v, p)) return;
  std::vector<std::string> names;
  for (const auto& n : kRetryNames) names.push_back(n.first);
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string k = it->first.Scalar();
    int line = Reader::Line(it->first);
    std::string kp = JoinPath(p, k);
    const char* kind = nullptr;
    for (const auto& [from, to] : kRetryNames)
      if (k == from) kind = to;
    if (!kind) {
      UnknownKey(r, line, kp, k, names, "LiteLLM's retry_policy has " + [&] {
        std::string all;
        for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
        return all;
      }());
      continue;
    }
    if (auto n = r.Int(it->second, kp, 0))
      d.retry_policy.Set({kind, std::to_string(*n), line, kp, ""});
  }
}

void AddFallback(Reader& r, Draft& d, FallbackKind kind, const YAML::Node& key,
                 const YAML::Node& value, const std::string& path) {
  std::string group = key.Scalar();
  auto targets = r.StringList(value, path);
  if (!targets) return;
  FallbackList list{group, *targets, Reader::Line(key), path};
  if (group == "*") {
    if (kind != kGeneral)
      return r.Error(list.line, path, "a \"*\" (every group) entry is supported in fallbacks only");
    d.default_fallbacks = list;
    return;
  }
  auto& lists = d.fallbacks[kind];
  for (auto& have : lists)
    if (have.group == group) {
      have = list;
      return;
    }
  lists.push_back(list);
}

// LiteLLM writes `- group: [targets]` list items; a plain mapping is read the same way.
void ReadFallbacks(Reader& r, const YAML::Node& v, const std::string& p, Draft& d,
                   FallbackKind kind) {
  if (v.IsMap()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      AddFallback(r, d, kind, it->first, it->second, JoinPath(p, it->first.Scalar()));
    return;
  }
  if (!r.IsList(v, p)) return;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string ip = IndexPath(p, i);
    if (!r.IsMap(v[i], ip)) continue;
    for (auto it = v[i].begin(); it != v[i].end(); ++it)
      AddFallback(r, d, kind, it->first, it->second, JoinPath(ip, it->first.Scalar()));
  }
}

K FallbackKey(const char* name, FallbackKind kind) {
  return {name, [kind](Reader& r, const YAML::Node& v, int, const std::string& p, Draft& d) {
            ReadFallbacks(r, v, p, d, kind);
          }};
}

K DefaultFallbacksKey() {
  return {"default_fallbacks", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
            if (auto l = r.StringList(v, p)) d.default_fallbacks = FallbackList{"*", *l, line, p};
          }};
}

K IntRouterKey(const char* yaml, const char* toml) {
  return {yaml, [toml](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
            if (auto n = r.Int(v, p, 0)) SetRouter(d, toml, std::to_string(*n), line, p);
          }};
}

// One attempt's timeout (LiteLLM's timeout, litellm_settings.request_timeout).
K AttemptTimeoutKey(const char* yaml) {
  return {yaml, [](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
            auto s = r.Number(v, p, 0.001);
            if (!s) return;
            SetRouter(d, "timeout", DurationLiteral(*s), line, p);
            if (*s > kDefaultRequestTimeoutS)
              SetRouter(d, "request_timeout", DurationLiteral(*s), line, p,
                        "raised to the attempt timeout: detour's whole-request deadline is 120s by default");
          }};
}

K StreamTimeoutKey() {
  return {"stream_timeout", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
            if (auto s = r.Number(v, p, 0.001)) {
              SetRouter(d, "first_token_timeout", DurationLiteral(*s), line, p);
              SetRouter(d, "stream_idle_timeout", DurationLiteral(*s), line, p);
            }
          }};
}

K CacheKey(const char* yaml) {
  return {yaml, [](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
            if (auto b = r.Bool(v, p)) d.cache.Set({"enabled", *b ? "true" : "false", line, p, ""});
          }};
}

void ReadCacheParams(Reader& r, const YAML::Node& v, int, const std::string& p, Draft& d) {
  static const std::vector<Key<Draft>> keys = {
      {"ttl", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
         if (auto s = r.Number(v, p, 0.001)) d.cache.Set({"ttl", DurationLiteral(*s), line, p, ""});
       }},
      {"type", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft&) {
         auto s = r.Scalar(v, p);
         if (s && *s != "local") r.Drop(line, p, "detour's cache is in this process's memory (type \"local\")");
       }},
  };
  static const std::string kRedis = "detour's cache is in this process's memory";
  static const std::vector<Dropped> dropped = {
      {"host", kRedis}, {"port", kRedis}, {"password", kRedis}, {"namespace", kRedis},
      {"supported_call_types", "detour caches chat completions"},
  };
  ReadKeys(r, v, p, keys, dropped, "", d);
}

const std::vector<Dropped>& DroppedRouterKeys() {
  static const std::string kRedis = "detour keeps deployment state in this process's memory";
  static const std::vector<Dropped> keys = {
      {"redis_host", kRedis},
      {"redis_port", kRedis},
      {"redis_password", kRedis},
      {"redis_url", kRedis},
      {"enable_pre_call_checks", "detour checks rpm/tpm before every attempt anyway"},
      {"routing_strategy_args", "detour's strategies take no arguments"},
      {"set_verbose", "use --log-level"},
      {"debug_level", "use --log-level"},
  };
  return keys;
}

const std::vector<Dropped>& DroppedLitellmKeys() {
  static const std::string kLog = "detour logs to stderr (--log-level, --log-format) and has /metrics";
  static const std::vector<Dropped> keys = {
      {"drop_params", "detour passes request parameters through as the client sent them"},
      {"set_verbose", kLog},
      {"json_logs", kLog},
      {"success_callback", kLog},
      {"failure_callback", kLog},
      {"callbacks", kLog},
      {"service_callback", kLog},
      {"turn_off_message_logging", "detour never logs prompts or replies"},
      {"redact_user_api_key_info", "detour never logs keys"},
      {"telemetry", "detour sends no telemetry"},
  };
  return keys;
}

}  // namespace

void ReadRouterSettings(Reader& r, const YAML::Node& n, const std::string& path) {
  static const std::vector<K> keys = {
      {"routing_strategy", ReadStrategy},
      FallbackKey("fallbacks", kGeneral),
      FallbackKey("context_window_fallbacks", kContextWindow),
      FallbackKey("content_policy_fallbacks", kContentPolicy),
      DefaultFallbacksKey(),
      {"retry_policy", ReadRetryPolicy},
      IntRouterKey("num_retries", "num_retries"),
      AttemptTimeoutKey("timeout"),
      StreamTimeoutKey(),
      IntRouterKey("allowed_fails", "allowed_fails"),
      {"cooldown_time", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Draft& d) {
         if (auto s = r.Number(v, p, 0.001)) SetRouter(d, "cooldown", DurationLiteral(*s), line, p);
       }},
      CacheKey("cache_responses"),
  };
  ReadKeys(r, n, path, keys, DroppedRouterKeys(), "see README \"Coming from LiteLLM\"", r.draft());
}

void ReadLitellmSettings(Reader& r, const YAML::Node& n, const std::string& path) {
  static const std::vector<K> keys = {
      IntRouterKey("num_retries", "num_retries"),
      AttemptTimeoutKey("request_timeout"),
      FallbackKey("fallbacks", kGeneral),
      FallbackKey("context_window_fallbacks", kContextWindow),
      FallbackKey("content_policy_fallbacks", kContentPolicy),
      DefaultFallbacksKey(),
      CacheKey("cache"),
      {"cache_params", ReadCacheParams},
  };
  ReadKeys(r, n, path, keys, DroppedLitellmKeys(), "see README \"Coming from LiteLLM\"", r.draft());
}

void ReadGeneralSettings(Reader& r, const YAML::Node& n, const std::string& path) {
  if (!r.IsMap(n, path)) return;
  Draft& d = r.draft();
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string k = it->first.Scalar();
    int line = Reader::Line(it->first);
    std::string p = JoinPath(path, k);
    if (k != "master_key") {
      r.Drop(line, p, "a LiteLLM proxy setting with no detour equivalent");
      continue;
    }
    auto key = r.Scalar(it->second, p);
    if (!key) continue;
    std::string literal = ValueLiteral(*key), comment;
    if (EnvRef(*key).empty()) {
      r.Warn(line, p, "the key is written in the file in plain text; keep it in the environment "
                      "instead (master_key: os.environ/VAR)");
      if (d.secrets == SecretStyle::kReference) {
        literal = TomlString("${DETOUR_API_KEY}");
        comment = "was a plain-text master_key in " + d.file +
                  ": export DETOUR_API_KEY=<that key> (the value is not copied here)";
      }
    }
    d.server.Set({"api_keys", "[" + literal + "]", line, p, comment});
  }
}

void Finish(Draft& d) {
  if (d.default_fallbacks) {
    const auto& all = d.default_fallbacks->targets;
    for (const auto& g : d.groups) {
      auto& lists = d.fallbacks[kGeneral];
      if (std::any_of(lists.begin(), lists.end(), [&](const FallbackList& l) { return l.group == g; }))
        continue;
      // A default group falls back only to the ones after it, so the chains stay acyclic.
      auto self = std::find(all.begin(), all.end(), g);
      std::vector<std::string> targets(self == all.end() ? all.begin() : self + 1, all.end());
      if (targets.empty()) continue;
      lists.push_back({g, targets, d.default_fallbacks->line, d.default_fallbacks->yaml_path});
    }
  }
  if (d.any_order && !d.router.Has("strategy"))
    d.router.Set({"strategy", TomlString("priority"), 0, "",
                  "`order` is set: lower orders first, as LiteLLM does"});
}

}  // namespace detour::litellm
