// The OpenAI Chat Completions surface of `serve` (SPEC 4): request bodies in, the neutral
// ChatRequest out, and the /v1/models list. Pure functions: no I/O, no routing.
#pragma once

#include <string>
#include <optional>
#include <string_view>

#include "core/route_table.h"
#include "model/types.h"
#include "util/expected.h"

namespace detour {

// An error detour itself answers with (not an upstream's): OpenAI error shape fields.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string code;   // "" -> null
  std::string param;  // "" -> null
};

// A 400 invalid_request_error naming the field `param`.
ApiError Invalid(std::string param, std::string message);

// Parses and checks a /v1/chat/completions body: valid JSON object, `model` a string,
// `messages` a non-empty array of objects with a string `role`, known fields of the right
// type. Strips detour-only fields (fallbacks, num_retries, timeout) into overrides.
// Unknown fields stay in the body and pass through to OpenAI-family upstreams.
Expected<ChatRequest, ApiError> ParseChatRequest(std::string_view body);

// The fast path of ParseChatRequest (issue #20; server/chat_request_fast.cc): the same
// checks on a simdjson read of the body, and a ChatRequest whose `raw` keeps the bytes
// (body null). nullopt whenever the checks do not all pass or the body is anything but
// plain (duplicate or escaped top-level keys, numbers past 64 bits, deep nesting): then
// ParseChatRequest's DOM path decides, so every 400 and its wording come from one place.
std::optional<ChatRequest> ParseChatRequestFast(std::string_view body);

// SPEC 2.5: moves the detour-only fields (fallbacks, num_retries, timeout) out of `body`
// into `o` (they never go upstream), checking their values.
std::optional<ApiError> TakeOverrides(Json& body, RequestOverrides& o);

// A `timeout` override in seconds as the walk's limit: nullopt unless positive and finite;
// clamped to ~31 years (request_timeout bounds every walk, so more narrows nothing).
std::optional<Millis> TimeoutFromSeconds(double seconds);

// The request header `x-detour-cache` (SPEC 2.5): "no-cache" (do not answer from the
// cache; store the answer) or "no-store" (neither). Read like Cache-Control: tokens are
// case-insensitive and comma-separated, no-store wins, unknown tokens are ignored.
CacheDirective ParseCacheDirective(std::string_view header);

// Parses and checks a /v1/embeddings body: JSON object, `model` a string, `input` a
// string, an array of strings, or an array of token arrays; overrides as above.
Expected<EmbeddingRequest, ApiError> ParseEmbeddingRequest(std::string_view body);

// {"object": "list", "data": [{"id": group, "object": "model", ...}]}
Json ModelsList(const RouteTable& table);

}  // namespace detour
