// The simulated providers' wire shapes (docs/provider-protocols in README "Simulator"):
// pure functions from what the simulator decided to the bytes each provider sends.
// Answers, SSE events (one per token so latency can be spread over them), error bodies
// with the provider's envelope and codes, and rate-limit headers. No I/O; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "net/http_client.h"

namespace detour::sim {

enum class Protocol { kOpenAI, kAzure, kAnthropic, kGemini };
const char* ProtocolName(Protocol p);  // "openai", "azure", "anthropic", "gemini"

// One simulated completion.
struct Answer {
  std::string id;     // per request, e.g. "sim-7"
  std::string model;  // as the client asked
  long created = 0;   // unix seconds
  int prompt_tokens = 0;
  std::vector<std::string> tokens;  // completion text, one piece per token
  bool include_usage = false;       // OpenAI/Azure stream_options.include_usage
};

// The whole non-streamed 200 body.
std::string CompleteBody(Protocol p, const Answer& a);

// A streamed answer as SSE events (each "data: ...\n\n", Anthropic with "event: ...").
// `tokens[i]` carries token i; `tail` the finish/usage events; `terminator` the end marker
// (OpenAI "data: [DONE]", Anthropic message_stop; Gemini has none: "").
struct StreamEvents {
  std::vector<std::string> head;
  std::vector<std::string> tokens;
  std::vector<std::string> tail;
  std::string terminator;
};
StreamEvents StreamBody(Protocol p, const Answer& a);

// One SSE event whose payload is not valid JSON (the malformed_chunk fault).
std::string MalformedEvent(Protocol p, const Answer& a);

// An error answer in the provider's shape.
struct ErrorReply {
  int status = 500;
  net::Headers headers;
  std::string body;
};
enum class ErrorCase { kHttp, kRateLimit, kContextWindow, kContentPolicy };
// `retry_after_ms` (>= 0) adds Retry-After (and the provider's rate-limit headers for
// kRateLimit); `reset_at` is the wall-clock reset time those headers name, RFC 3339.
ErrorReply MakeError(Protocol p, ErrorCase c, int status, long retry_after_ms,
                     const std::string& reset_at, const std::string& request_id);

// Gemini answers a blocked prompt with 200 and promptFeedback.blockReason (no candidates).
std::string GeminiBlockedBody(const Answer& a);

}  // namespace detour::sim
