// Gemini generateContent wire conversion (provider-protocols.md 5, 6.4-6.6, 6.9): pure
// functions between the neutral (OpenAI-shaped) types and Gemini's JSON. No I/O, no
// clock (callers pass `created`). Thread-safe; never throw (upstream JSON is untrusted:
// every field read is type-checked).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/error.h"
#include "model/types.h"

namespace detour::gemini {

// The generateContent body for an OpenAI chat body (request.cc): system/developer
// messages -> systemInstruction; user/assistant -> roles user/model with text, inlineData
// (data: URLs) and functionCall parts (args as objects, thoughtSignature recovered from
// the tool-call id); tool messages -> functionResponse parts in a user turn (name found
// from the matching tool call id, response an object), consecutive results merged;
// generationConfig, tools (schemas stripped of keys Gemini rejects) and toolConfig.
// Fields Gemini does not know are dropped (it rejects unknown fields).
Json BuildBody(const Json& openai_body);

// The pieces of BuildBody beside the messages (request_options.cc): generationConfig
// (temperature, top_p, max_tokens / max_completion_tokens, stop, n, seed, penalties,
// response_format) and tools + toolConfig (tool_choice). Each adds its key only when
// the OpenAI body asked for something.
void AddGenerationConfig(const Json& openai_body, Json& body);
void AddTools(const Json& openai_body, Json& body);

// A JSON schema with the keys Gemini's OpenAPI subset rejects removed (additionalProperties,
// $schema, strict, $id, $comment), recursively through properties, items and *Of.
Json CleanSchema(const Json& schema);

// Gemini finishReason -> OpenAI finish_reason (table 6.9); `has_tool_calls` turns a STOP
// into "tool_calls" (Gemini has no tool-specific reason). Unknown values are "stop".
std::string MapFinishReason(std::string_view reason, bool has_tool_calls);

// usageMetadata -> OpenAI usage: prompt = promptTokenCount, completion =
// candidatesTokenCount + thoughtsTokenCount; cached and reasoning token details when sent.
Usage ParseUsage(const Json& usage_metadata);
Json UsageJson(const Json& usage_metadata);

// A 2xx generateContent body -> chat.completion. Not JSON -> connection; an error object
// -> that error classified; a prompt blocked before generation (promptFeedback.blockReason,
// no candidates) -> content_policy; no candidates otherwise -> server_error. A candidate
// that ends with SAFETY and friends is a 200 with finish_reason content_filter (SPEC 8).
// `fallback_model` when the body has no modelVersion; `created` is the Unix time stamp.
Result<ChatResponse> ParseResponse(std::string_view body, const std::string& fallback_model,
                                   int64_t created);

// What one candidate says, in OpenAI's terms (shared by the whole answer and the stream).
struct CandidateView {
  int64_t index = 0;
  std::string text;             // non-thought text parts joined
  bool has_text = false;
  Json tool_calls = Json::array();  // OpenAI tool_calls (id, type, function{name, arguments})
  std::optional<std::string> finish;  // Gemini's finishReason, when present
};
// `response_id` and `call_base` (how many calls this candidate already produced in the
// stream) make the tool-call ids.
CandidateView ReadCandidate(const Json& candidate, int64_t position, std::string_view response_id,
                            int64_t call_base);

// The error a 200 body carries instead of an answer (an error object, or a blocked
// prompt with no candidates), if any.
std::optional<Error> BodyError(const Json& doc);

}  // namespace detour::gemini
