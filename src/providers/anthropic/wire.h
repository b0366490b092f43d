// Anthropic Messages API wire conversion (provider-protocols.md 4, 6.1-6.3, 6.9): pure
// functions between the neutral format (OpenAI Chat Completions JSON) and Anthropic's.
// Upstream JSON is untrusted: every field is type-checked before it is read. Thread-safe;
// nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/types.h"

namespace detour::anthropic {

constexpr int64_t kDefaultMaxTokens = 4096;  // SPEC 2.3: max_tokens is required upstream

// What differs in the body between the direct API and Claude on Vertex (8b).
struct BodyOptions {
  bool model_in_body = true;  // false on Vertex: the model is in the URL
  std::string body_version;   // "vertex-2023-10-16" on Vertex (anthropic_version); "" = none
};

// OpenAI chat body -> Messages API body:
// - system/developer messages (any position) joined with "\n\n" into `system`;
// - user/assistant turns as content blocks; consecutive same-role turns merged (the API
//   wants strict alternation); a turn holding a single text block is sent as a string;
// - assistant tool_calls -> tool_use blocks, `arguments` parsed into `input` (text that is
//   not a JSON object becomes {}: the upstream needs an object, and the call's id and
//   name still pair it with its result);
// - tool messages -> tool_result blocks in a user turn, placed before any text of it;
// - image_url: data: URLs -> base64 source, other URLs -> url source; empty text dropped;
// - max_completion_tokens, else max_tokens, else kDefaultMaxTokens; temperature clamped
//   to [0, 1]; stop -> stop_sequences (whitespace-only entries dropped); top_p kept;
//   tools -> {name, description, input_schema}; tool_choice auto/none/required/named ->
//   auto/none/any/tool; parallel_tool_calls=false -> disable_parallel_tool_use; a
//   `user` without '@' -> metadata.user_id;
// - every other OpenAI field (n, seed, logprobs, penalties, response_format, ...) dropped.
Json BuildRequest(const Json& openai_body, const std::string& model, bool stream,
                  const BodyOptions& options);
std::string SerializeBody(const Json& body);

// Anthropic stop_reason -> OpenAI finish_reason (table 6.9): end_turn, stop_sequence,
// pause_turn and unknown values -> "stop"; max_tokens and model_context_window_exceeded ->
// "length"; tool_use -> "tool_calls"; refusal -> "content_filter".
std::string FinishReason(std::string_view stop_reason);

// Anthropic usage counters (input excludes cache reads and writes: gotcha 3).
struct TokenCounts {
  int64_t input = 0;
  int64_t cache_creation = 0;
  int64_t cache_read = 0;
  int64_t output = 0;
  int64_t prompt() const { return input + cache_creation + cache_read; }
  Usage neutral() const { return {prompt(), output, cache_read}; }
};
// Overwrites the counters present (as numbers) in `usage`; leaves the others.
void MergeUsage(const Json& usage, TokenCounts& counts);
// OpenAI usage: prompt/completion/total tokens and prompt_tokens_details.cached_tokens.
Json UsageJson(const TokenCounts& counts);

// A 2xx Messages answer -> an OpenAI chat.completion (`created` is the caller's clock).
// Not JSON, no `content` array -> connection ("malformed response"); an error envelope
// inside the 2xx -> that error, classified. `fallback_model` fills a missing `model`.
Result<ChatResponse> ParseMessage(std::string_view body, const std::string& fallback_model,
                                  int64_t created);

}  // namespace detour::anthropic
