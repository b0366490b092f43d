// Gemini (and Vertex) failures -> ErrorKind (SPEC 3.1, provider-protocols.md 5.5 and 7).
// Google's envelope is {"error":{"code","message","status","details"}}, sometimes wrapped
// in a one-element array. Decided from the HTTP status, the canonical `status` and the
// details (ErrorInfo.reason, RetryInfo.retryDelay, QuotaFailure quota ids), and only then
// from message text:
//   API_KEY_INVALID (an HTTP 400) -> auth; 401/403, UNAUTHENTICATED, PERMISSION_DENIED,
//   FAILED_PRECONDITION (billing, region) -> auth; 429 / RESOURCE_EXHAUSTED -> rate_limit
//   with RetryInfo.retryDelay as Retry-After, but a per-day quota -> auth (waiting a
//   minute will not help); 404 -> not_found; 408/504/DEADLINE_EXCEEDED -> timeout; other
//   400s -> context_window when the text says the input is too long, else bad_request;
//   5xx -> server_error (a 5xx wrapping a 429 code -> rate_limit).
// A body that is not Google's envelope (a proxy's page) goes to the shared classifier.
// Pure; thread-safe; never throw.
#pragma once

#include <optional>
#include <string_view>

#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"
#include "net/http_client.h"

namespace detour::gemini {

Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body, WallTime now);

// An error object met inside a 200 body or a stream event; its `code` (or canonical
// `status`) stands in for the HTTP status.
Error ClassifyErrorObject(const Json& error);

// A protobuf Duration string ("7s", "3.957525076s") in seconds.
std::optional<double> ParseDuration(std::string_view text);

}  // namespace detour::gemini
