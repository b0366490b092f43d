// OpenTelemetry spans of one request as OTLP/HTTP JSON (the protobuf JSON mapping: hex
// trace and span ids, unixNano times as decimal strings, typed attribute values). Pure
// functions: server/otlp_exporter.h batches and sends what these build.
//
// One SERVER span per request, "chat <model group asked for>", with one CLIENT child span
// per upstream attempt, "attempt <deployment>". Attribute names follow the GenAI semantic
// conventions (gen_ai.operation.name, gen_ai.system, gen_ai.request.model,
// gen_ai.response.model, gen_ai.usage.input_tokens, gen_ai.usage.output_tokens), plus
// detour.* for what only detour knows: detour.request_id, detour.team,
// detour.model_group, detour.deployment, detour.outcome ("ok", "cache_hit" or an error
// kind), detour.attempts, detour.cost_usd, detour.stream, detour.attempt; error.type and
// an ERROR status on failures. Never a prompt, never a header, never a secret.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/request_observer.h"

namespace detour {

struct SpanIds {
  uint64_t trace_hi = 0, trace_lo = 0;  // the 128-bit trace id
  uint64_t request_span = 0;
  std::vector<uint64_t> attempt_spans;  // one per attempt, in order
};

// Hex as OTLP/JSON wants it: 32 digits for a trace id, 16 for a span id.
std::string TraceIdHex(uint64_t hi, uint64_t lo);
std::string SpanIdHex(uint64_t id);

// The request span followed by its attempt spans (OTLP "Span" objects).
std::vector<nlohmann::json> RequestSpans(const RequestReport& r, const SpanIds& ids);

// The body of POST {endpoint}/v1/traces for a batch of spans.
nlohmann::json TracesBody(const std::string& service_name, std::vector<nlohmann::json> spans);

}  // namespace detour
