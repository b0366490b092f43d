// Failure classification for the Anthropic Messages API (SPEC 3.1, provider-protocols.md
// 4.5 and 7): every upstream failure becomes exactly one Error{kind}. The HTTP status is
// the primary signal; Anthropic's error.type refines it, and message text is the last
// resort only where Anthropic shares one type between kinds (a 400 invalid_request_error
// is also "prompt is too long" and "credit balance is too low").
// Pure functions; thread-safe; never throw.
#pragma once

#include <optional>
#include <string_view>

#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"
#include "net/http_client.h"

namespace detour::anthropic {

// A non-2xx answer: 408/504 timeout; 401/402/403 auth; 404 not_found; 413 bad_request;
// 429 rate_limit (a spend-limit 429 is auth); other 4xx: context_window ("prompt is too
// long"), auth (credit balance, billing), content_policy, else bad_request; 5xx and 529
// server_error. Keeps the raw body in upstream_body; message from error.message; code
// "context_length_exceeded" for context_window, else error.type. Retry-After from
// retry-after-ms / retry-after, else (429) the latest anthropic-ratelimit-*-reset of an
// exhausted bucket.
Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body, WallTime now);

// The `error` object of an `event: error` in a stream or of an error envelope in a 2xx
// body, where no meaningful HTTP status exists: kinds by error.type (overloaded_error and
// api_error server_error, rate_limit_error rate_limit, ...; unknown types server_error).
// `status` is recorded as Error::status.
Error ClassifyErrorObject(const Json& error, int status);

// Seconds until the server allows another request (see ClassifyHttp), nullopt when unsaid.
std::optional<double> RetryAfter(int status, const net::Headers& headers, WallTime now);

// RFC 3339 date-time ("2025-08-21T12:40:59Z", fractions and numeric offsets accepted).
std::optional<WallTime> ParseRfc3339(std::string_view text);

}  // namespace detour::anthropic
