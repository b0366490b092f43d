// The Anthropic Messages surface of `serve` (POST /v1/messages, SPEC 4 and 8): an
// Anthropic-format request becomes the neutral (OpenAI-shaped) ChatRequest, so it routes
// through the same groups and fallbacks as every other request (a Claude Code or
// Anthropic SDK user can fail over to OpenAI); the neutral answer goes back in Anthropic's
// shape, errors included. Pure functions: no I/O, no routing. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/router.h"
#include "net/http_server.h"
#include "server/openai_api.h"

namespace detour {

// Parses and checks a /v1/messages body: JSON object, `model` a string, `messages` a
// non-empty array of {role: user|assistant, content: string | blocks}. Translates system,
// text, image, tool_use and tool_result blocks, tools, tool_choice, stop_sequences,
// max_tokens, temperature, top_p, metadata.user_id and stream. detour-only fields
// (fallbacks, num_retries, timeout) become overrides as on /v1/chat/completions.
// Errors name the field, with Anthropic's field paths.
Expected<ChatRequest, ApiError> ParseMessagesRequest(std::string_view body);

// A neutral chat.completion as an Anthropic `message`: text and tool_use blocks,
// stop_reason (stop -> end_turn, length -> max_tokens, tool_calls -> tool_use,
// content_filter -> refusal), usage input/output tokens.
Json MessageFromCompletion(const Json& completion);

// Anthropic's error shape: {"type":"error","error":{"type","message"}} with the status.
void WriteAnthropicError(const ApiError& e, net::ServerResponse& out);
// A failed walk, in Anthropic's shape (the attempts list rides along in the error).
void WriteAnthropicRouteFailure(const RouteFailure& f, net::ServerResponse& out);
Json AnthropicFailureJson(const RouteFailure& f);
// Anthropic's error `type` for an HTTP status.
std::string AnthropicErrorType(int status);

}  // namespace detour
