#include "server/otlp_spans.h"

#include <algorithm>
#include <cstdio>

namespace detour {
namespace {

using nlohmann::json;

constexpr int kSpanKindServer = 2;
constexpr int kSpanKindClient = 3;
constexpr int kStatusError = 2;

json Attr(const std::string& key, json value) { return {{"key", key}, {"value", std::move(value)}}; }
json Str(const std::string& key, const std::string& v) { return Attr(key, {{"stringValue", v}}); }
// int64 is a decimal string in the protobuf JSON mapping.
json Int(const std::string& key, int64_t v) { return Attr(key, {{"intValue", std::to_string(v)}}); }
json Dbl(const std::string& key, double v) { return Attr(key, {{"doubleValue", v}}); }
json Bool(const std::string& key, bool v) { return Attr(key, {{"boolValue", v}}); }

std::string UnixNano(WallTime t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

WallTime Plus(WallTime t, Millis d) { return t + std::chrono::duration_cast<WallTime::duration>(d); }

// "openai/gpt-4o" -> {"openai", "gpt-4o"}; provider names hold no '/', models may.
std::pair<std::string, std::string> SplitLabel(const std::string& label) {
  size_t slash = label.find('/');
  if (slash == std::string::npos) return {label, ""};
  return {label.substr(0, slash), label.substr(slash + 1)};
}

json Span(const std::string& trace, const std::string& id, const std::string& parent, std::string name,
          int kind, WallTime start, WallTime end, json attrs) {
  json s = {{"traceId", trace},
            {"spanId", id},
            {"name", std::move(name)},
            {"kind", kind},
            {"startTimeUnixNano", UnixNano(start)},
            {"endTimeUnixNano", UnixNano(end)},
            {"attributes", std::move(attrs)}};
  if (!parent.empty()) s["parentSpanId"] = parent;
  return s;
}

json AttemptSpan(const AttemptRecord& a, const std::string& trace, const std::string& id,
                 const std::string& parent) {
  auto [provider, model] = SplitLabel(a.provider_model);
  json attrs = {Str("gen_ai.operation.name", "chat"), Str("gen_ai.system", provider),
                Str("gen_ai.request.model", model),   Str("detour.deployment", a.deployment),
                Str("detour.model_group", a.group),   Int("detour.attempt", a.number),
                Str("detour.outcome", a.ok ? "ok" : std::string(KindName(a.kind)))};
  if (a.ok) {
    attrs.push_back(Str("gen_ai.response.model", model));
    attrs.push_back(Int("gen_ai.usage.input_tokens", a.usage.prompt_tokens));
    attrs.push_back(Int("gen_ai.usage.output_tokens", a.usage.completion_tokens));
  } else {
    attrs.push_back(Str("error.type", std::string(KindName(a.kind))));
  }
  if (a.status > 0) attrs.push_back(Int("http.response.status_code", a.status));
  if (a.first_token) attrs.push_back(Int("detour.first_token_ms", a.first_token->count()));
  json s = Span(trace, id, parent, "attempt " + a.deployment, kSpanKindClient, a.started,
                Plus(a.started, a.elapsed), std::move(attrs));
  if (!a.ok) s["status"] = {{"code", kStatusError}, {"message", std::string(KindName(a.kind))}};
  return s;
}

std::string Outcome(const RequestReport& r) {
  if (r.cache_hit) return "cache_hit";
  if (r.ok) return "ok";
  if (r.committed_failure) return "stream_failed_after_commit";
  return r.error ? std::string(KindName(r.error->kind)) : "error";
}

}  // namespace

std::string TraceIdHex(uint64_t hi, uint64_t lo) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

std::string SpanIdHex(uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

std::vector<json> RequestSpans(const RequestReport& r, const SpanIds& ids) {
  std::string trace = TraceIdHex(ids.trace_hi, ids.trace_lo);
  std::string root = SpanIdHex(ids.request_span);
  std::string outcome = Outcome(r);
  json attrs = {Str("gen_ai.operation.name", "chat"), Str("gen_ai.request.model", r.requested),
                Str("detour.request_id", r.id),       Str("detour.team", r.team),
                Str("detour.outcome", outcome),       Int("detour.attempts", static_cast<int64_t>(r.attempts.size())),
                Bool("detour.stream", r.stream),      Bool("detour.cache_hit", r.cache_hit),
                Int("http.response.status_code", r.status)};
  if (!r.deployment.empty()) {
    attrs.push_back(Str("detour.deployment", r.deployment));
    attrs.push_back(Str("detour.model_group", r.group));
  }
  if (r.ok && !r.attempts.empty()) {
    auto [provider, model] = SplitLabel(r.attempts.back().provider_model);
    attrs.push_back(Str("gen_ai.system", provider));
    attrs.push_back(Str("gen_ai.response.model", model));
  }
  if (r.ok) {
    attrs.push_back(Int("gen_ai.usage.input_tokens", r.usage.prompt_tokens));
    attrs.push_back(Int("gen_ai.usage.output_tokens", r.usage.completion_tokens));
    attrs.push_back(Dbl("detour.cost_usd", r.cost_usd));
  } else {
    attrs.push_back(Str("error.type", outcome));
  }
  if (r.first_token) attrs.push_back(Int("detour.first_token_ms", r.first_token->count()));

  // Durations are whole milliseconds and attempt starts are read from the wall clock
  // separately, so stretch the request span to enclose its attempts exactly.
  WallTime start = r.started, end = Plus(r.started, r.total);
  for (const auto& a : r.attempts) {
    start = std::min(start, a.started);
    end = std::max(end, Plus(a.started, a.elapsed));
  }
  std::vector<json> spans;
  spans.push_back(Span(trace, root, "", "chat " + r.requested, kSpanKindServer, start, end, std::move(attrs)));
  if (!r.ok) spans.back()["status"] = {{"code", kStatusError}, {"message", outcome}};
  for (size_t i = 0; i < r.attempts.size() && i < ids.attempt_spans.size(); ++i)
    spans.push_back(AttemptSpan(r.attempts[i], trace, SpanIdHex(ids.attempt_spans[i]), root));
  return spans;
}

json TracesBody(const std::string& service_name, std::vector<json> spans) {
  json resource = json::object();
  resource["attributes"] = json::array({Str("service.name", service_name)});
  json scope = json::object();
  scope["scope"] = {{"name", "detour"}};
  scope["spans"] = std::move(spans);
  json rs = json::object();
  rs["resource"] = std::move(resource);
  rs["scopeSpans"] = json::array();
  rs["scopeSpans"].push_back(std::move(scope));
  json body = json::object();
  body["resourceSpans"] = json::array();
  body["resourceSpans"].push_back(std::move(rs));
  return body;
}

}  // namespace detour
