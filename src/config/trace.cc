// LoadTraceText / LoadTraceFile for SPEC 7 traces written in TOML: the same readers as the
// config (config/toml_reader.h), so durations, unknown keys (did-you-mean) and file:line
// errors read alike. A `.jsonl` file is a recorded trace (config/trace_record.cc).
#include "config/trace.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/toml_reader.h"

namespace detour {
namespace {

struct KindRow {
  FaultKind kind;
  const char* name;
};
constexpr KindRow kKinds[] = {
    {FaultKind::kHttpError, "http_error"},
    {FaultKind::kRateLimit, "rate_limit"},
    {FaultKind::kHang, "hang"},
    {FaultKind::kReset, "reset"},
    {FaultKind::kSlow, "slow"},
    {FaultKind::kStreamCut, "stream_cut"},
    {FaultKind::kStall, "stall"},
    {FaultKind::kMalformedChunk, "malformed_chunk"},
    {FaultKind::kNoDone, "no_done"},
    {FaultKind::kContextWindow, "context_window"},
    {FaultKind::kContentPolicy, "content_policy"},
};

std::vector<std::string> KindNames() {
  std::vector<std::string> v;
  for (const auto& k : kKinds) v.push_back(k.name);
  return v;
}

// What a trace author wrote for one fault, before the cross-field checks.
struct FaultDraft {
  TraceFault fault;
  bool has_kind = false, has_from = false, has_to = false;
  bool has_status = false, has_factor = false, has_after = false, has_for = false;
  bool bad_kind = false;  // reported already: no checks that depend on the kind
  std::map<std::string, int> lines;  // key -> line
};

void ReadTarget(TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
  auto s = r.String(n, p);
  if (!s) return;
  FaultTarget& t = d.fault.target;
  if (*s == "*") {
    t.kind = FaultTarget::Kind::kAll;
    return;
  }
  auto colon = s->find(':');
  std::string prefix = colon == std::string::npos ? "" : s->substr(0, colon);
  std::string name = colon == std::string::npos ? "" : s->substr(colon + 1);
  if (prefix == "provider") t.kind = FaultTarget::Kind::kProvider;
  else if (prefix == "deployment") t.kind = FaultTarget::Kind::kDeployment;
  else if (prefix == "model") t.kind = FaultTarget::Kind::kModel;
  else prefix.clear();
  if (prefix.empty() || name.empty()) {
    r.Issue(TomlReader::Line(n), p,
            "invalid target \"" + *s +
                "\" (use \"provider:NAME\", \"deployment:ID\", \"model:NAME\" or \"*\")");
    return;
  }
  t.name = name;
}

const std::vector<Field<FaultDraft>>& FaultFields() {
  auto mark = [](bool FaultDraft::*flag, auto read) {
    return [flag, read](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
      d.*flag = true;
      d.lines[p.substr(p.rfind('.') + 1)] = TomlReader::Line(n);
      read(r, n, p, d);
    };
  };
  static const std::vector<Field<FaultDraft>> fields = {
      {"target", ReadTarget},
      {"from", mark(&FaultDraft::has_from,
                    [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
                      if (auto v = r.Duration(n, p)) d.fault.from = *v;
                    })},
      {"to", mark(&FaultDraft::has_to,
                  [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
                    if (auto v = r.Duration(n, p)) d.fault.to = *v;
                  })},
      {"kind", mark(&FaultDraft::has_kind,
                    [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
                      auto s = r.String(n, p);
                      if (!s) return;
                      for (const auto& k : kKinds)
                        if (*s == k.name) {
                          d.fault.kind = k.kind;
                          return;
                        }
                      d.bad_kind = true;
                      r.Issue(TomlReader::Line(n), p, UnknownName("fault kind", *s, KindNames()));
                    })},
      {"rate", [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
         auto v = r.Number(n, p, 0);
         if (v && *v > 1) r.Issue(TomlReader::Line(n), p, "must be between 0 and 1 (a share of requests)");
         else if (v) d.fault.rate = *v;
       }},
      {"status", mark(&FaultDraft::has_status,
                      [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
                        if (auto v = r.Int(n, p, 400, 599)) d.fault.status = static_cast<int>(*v);
                      })},
      {"retry_after", [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
         d.lines["retry_after"] = TomlReader::Line(n);
         if (auto v = r.Duration(n, p)) d.fault.retry_after = *v;
       }},
      {"factor", mark(&FaultDraft::has_factor,
                      [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
                        auto v = r.Number(n, p, 0);
                        if (v && *v <= 0) r.Issue(TomlReader::Line(n), p, "must be above 0");
                        else if (v) d.fault.factor = *v;
                      })},
      {"after_tokens", mark(&FaultDraft::has_after,
                            [](TomlReader& r, const toml::node& n, const std::string& p,
                               FaultDraft& d) {
                              if (auto v = r.Int(n, p, 0)) d.fault.after_tokens = static_cast<int>(*v);
                            })},
      {"for", mark(&FaultDraft::has_for,
                   [](TomlReader& r, const toml::node& n, const std::string& p, FaultDraft& d) {
                     if (auto v = r.Duration(n, p)) d.fault.stall_for = *v;
                   })},
  };
  return fields;
}

// A key that means nothing for the fault's kind is a mistake worth reporting (a `factor`
// on an http_error would silently do nothing).
void CheckFault(TomlReader& r, const std::string& path, FaultDraft& d, int line, Millis duration) {
  TraceFault& f = d.fault;
  f.line = line;
  if (!d.has_kind) r.Issue(line, path, "missing key \"kind\" (" + std::string("use one of ") +
                                           "http_error, rate_limit, hang, reset, slow, stream_cut, "
                                           "stall, malformed_chunk, no_done, context_window, "
                                           "content_policy)");
  if (d.has_from && d.has_to && f.to <= f.from)
    r.Issue(d.lines["to"], path + ".to", "must be after \"from\"");
  if (!d.has_to) f.to = duration;
  if (duration.count() > 0 && f.from >= duration && d.has_from)
    r.Issue(d.lines["from"], path + ".from", "starts at or after the trace's duration");
  auto only = [&](bool has, const char* key, std::initializer_list<FaultKind> kinds) {
    if (!has || !d.has_kind || d.bad_kind) return;
    for (FaultKind k : kinds)
      if (k == f.kind) return;
    r.Issue(d.lines[key], path + "." + key,
            std::string("\"") + key + "\" has no meaning for kind \"" + FaultKindName(f.kind) + "\"");
  };
  only(d.has_status, "status", {FaultKind::kHttpError, FaultKind::kRateLimit});
  only(d.fault.retry_after.has_value(), "retry_after", {FaultKind::kHttpError, FaultKind::kRateLimit});
  only(d.has_factor, "factor", {FaultKind::kSlow});
  only(d.has_after, "after_tokens", {FaultKind::kStreamCut, FaultKind::kStall});
  only(d.has_for, "for", {FaultKind::kStall});
  if (f.kind == FaultKind::kRateLimit && d.has_status && f.status != 429)
    r.Issue(d.lines["status"], path + ".status", "a rate_limit fault is always 429");
  if (f.kind == FaultKind::kHttpError && !d.has_status) f.status = 500;
  if (f.kind == FaultKind::kRateLimit) f.status = 429;
  if (f.kind == FaultKind::kSlow && !d.has_factor)
    r.Issue(line, path, "a slow fault needs \"factor\" (e.g. factor = 5)");
  if (f.kind == FaultKind::kStall && !d.has_for)
    r.Issue(line, path, "a stall fault needs \"for\" (e.g. for = \"20s\")");
}

void ReadFaults(TomlReader& r, const toml::node& n, const std::string& path, Trace& trace,
                std::vector<std::pair<FaultDraft, int>>& drafts) {
  const auto* arr = n.as_array();
  if (!arr) {
    r.Issue(TomlReader::Line(n), path, "expected an array of tables ([[faults]])");
    return;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string p = TomlReader::Index(path, i);
    const toml::node& item = *arr->get(i);
    const auto* t = r.Table(item, p);
    if (!t) continue;
    FaultDraft d;
    ReadFields(r, *t, p, FaultFields(), d);
    drafts.emplace_back(std::move(d), TomlReader::Line(item));
  }
}

const std::vector<std::string>& Arms() {
  static const std::vector<std::string> arms = {"direct", "retries", "detour"};
  return arms;
}

// One gate: "<arm>.<metric>_max" (quoted key) or arm.metric_max (a nested table).
void ReadGate(TomlReader& r, const toml::node& n, const std::string& path, const std::string& arm,
              const std::string& key, Trace& trace) {
  TraceExpect e;
  e.line = TomlReader::Line(n);
  e.arm = arm;
  if (std::find(Arms().begin(), Arms().end(), arm) == Arms().end()) {
    r.Issue(e.line, path, UnknownName("arm", arm, Arms()));
    return;
  }
  auto ends = [&](const char* suffix) {
    size_t len = std::strlen(suffix);
    return key.size() > len && key.compare(key.size() - len, len, suffix) == 0;
  };
  if (ends("_max")) e.is_max = true;
  else if (ends("_min")) e.is_max = false;
  else {
    r.Issue(e.line, path, "a gate ends in _max or _min (e.g. \"detour.error_rate_max\")");
    return;
  }
  e.metric = key.substr(0, key.size() - 4);
  const auto& metrics = TraceExpectMetrics();
  if (std::find(metrics.begin(), metrics.end(), e.metric) == metrics.end()) {
    r.Issue(e.line, path, UnknownName("metric", e.metric, metrics));
    return;
  }
  auto v = r.Number(n, path, -1e300);
  if (!v) return;
  e.bound = *v;
  trace.expect.push_back(e);
}

void ReadExpect(TomlReader& r, const toml::node& n, const std::string& path, Trace& trace) {
  const auto* t = r.Table(n, path);
  if (!t) return;
  for (auto&& [key, value] : *t) {
    std::string k(key.str());
    std::string p = TomlReader::Join(path, k);
    if (const auto* sub = value.as_table()) {  // detour.error_rate_max written unquoted
      for (auto&& [key2, value2] : *sub) {
        std::string k2(key2.str());
        ReadGate(r, value2, TomlReader::Join(p, k2), k, k2, trace);
      }
      continue;
    }
    auto dot = k.find('.');
    if (dot == std::string::npos) {
      r.Issue(TomlReader::Line(value), p,
              "a gate is \"<arm>.<metric>_max\" or _min (e.g. \"detour.error_rate_max\")");
      continue;
    }
    ReadGate(r, value, p, k.substr(0, dot), k.substr(dot + 1), trace);
  }
}

void ReadShare(TomlReader& r, const toml::node& n, const std::string& p, double* out) {
  auto v = r.Number(n, p, 0);
  if (v && *v > 1) r.Issue(TomlReader::Line(n), p, "must be between 0 and 1 (a share)");
  else if (v) *out = *v;
}

ConfigErrors Unreadable(const std::string& file, int line, std::string message) {
  ConfigErrors e;
  e.unreadable = true;
  e.issues.push_back({file, line, "", std::move(message)});
  return e;
}

}  // namespace

const char* FaultKindName(FaultKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

const std::vector<std::string>& TraceExpectMetrics() {
  static const std::vector<std::string> metrics = {
      "error_rate",     "success_rate",         "p50_latency_ms",    "p95_latency_ms",
      "p99_latency_ms", "p50_first_token_ms",   "p99_first_token_ms", "attempts_per_request",
      "fallbacks",      "cost_usd",
  };
  return metrics;
}

Expected<Trace, ConfigErrors> LoadTraceText(const std::string& text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Fail(Unreadable(file, static_cast<int>(e.source().begin.line),
                           "invalid TOML: " + std::string(e.description())));
  }
  LoadState st;
  TomlReader r(file, ProcessEnv(), &st);
  Trace trace;
  trace.path = file;
  std::vector<std::pair<FaultDraft, int>> drafts;
  bool has_duration = false;

  static const std::vector<Field<TraceTraffic>> traffic_fields = {
      {"rate", [](TomlReader& r, const toml::node& n, const std::string& p, TraceTraffic& t) {
         auto v = r.Number(n, p, 0);
         if (v && *v <= 0) r.Issue(TomlReader::Line(n), p, "must be above 0 (requests per second)");
         else if (v) t.rate = *v;
       }},
      {"stream", [](TomlReader& r, const toml::node& n, const std::string& p, TraceTraffic& t) {
         ReadShare(r, n, p, &t.stream);
       }},
      IntField("prompt_tokens", &TraceTraffic::prompt_tokens, 0),
      IntField("completion_tokens", &TraceTraffic::completion_tokens, 1),
  };
  static const std::vector<Field<TraceBaseline>> baseline_fields = {
      DurationField("first_token", &TraceBaseline::first_token),
      {"tokens_per_second",
       [](TomlReader& r, const toml::node& n, const std::string& p, TraceBaseline& b) {
         auto v = r.Number(n, p, 0);
         if (v && *v <= 0) r.Issue(TomlReader::Line(n), p, "must be above 0");
         else if (v) b.tokens_per_second = *v;
       }},
      {"error_rate", [](TomlReader& r, const toml::node& n, const std::string& p, TraceBaseline& b) {
         ReadShare(r, n, p, &b.error_rate);
       }},
  };

  std::vector<Field<Trace>> top = {
      StringField("name", &Trace::name),
      StringField("description", &Trace::description),
      {"duration", [&](TomlReader& r, const toml::node& n, const std::string& p, Trace& t) {
         has_duration = true;
         auto v = r.Duration(n, p);
         if (v && v->count() <= 0) r.Issue(TomlReader::Line(n), p, "must be above 0");
         else if (v) t.duration = *v;
       }},
      {"traffic", [&](TomlReader& r, const toml::node& n, const std::string& p, Trace& t) {
         if (const auto* tb = r.Table(n, p)) ReadFields(r, *tb, p, traffic_fields, t.traffic);
       }},
      {"baseline", [&](TomlReader& r, const toml::node& n, const std::string& p, Trace& t) {
         if (const auto* tb = r.Table(n, p)) ReadFields(r, *tb, p, baseline_fields, t.baseline);
       }},
      {"faults", [&](TomlReader& r, const toml::node& n, const std::string& p, Trace& t) {
         ReadFaults(r, n, p, t, drafts);
       }},
      {"expect", [&](TomlReader& r, const toml::node& n, const std::string& p, Trace& t) {
         ReadExpect(r, n, p, t);
       }},
  };
  ReadFields(r, root, "", top, trace);
  if (!has_duration) r.Issue(1, "duration", "missing key \"duration\" (e.g. duration = \"30m\")");
  for (size_t i = 0; i < drafts.size(); ++i) {
    auto& [d, line] = drafts[i];
    CheckFault(r, TomlReader::Index("faults", i), d, line, trace.duration);
    trace.faults.push_back(d.fault);
  }
  auto& issues = st.errors.issues;
  std::stable_sort(issues.begin(), issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    return (a.line == 0 ? INT32_MAX : a.line) < (b.line == 0 ? INT32_MAX : b.line);
  });
  if (!issues.empty()) return Fail(std::move(st.errors));
  std::sort(trace.expect.begin(), trace.expect.end(),
            [](const TraceExpect& a, const TraceExpect& b) { return a.line < b.line; });
  return trace;
}

Expected<Trace, ConfigErrors> LoadTraceFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Fail(Unreadable(path, 0, "cannot read the trace: it is a directory"));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail(Unreadable(path, 0, "cannot read the trace: " + std::string(std::strerror(errno))));
  std::ostringstream text;
  text << in.rdbuf();
  auto ends = [&](const char* s) {
    size_t n = std::strlen(s);
    return path.size() >= n && path.compare(path.size() - n, n, s) == 0;
  };
  if (ends(".jsonl") || ends(".json")) return LoadRecordedTraceText(text.str(), path);
  return LoadTraceText(text.str(), path);
}

}  // namespace detour
