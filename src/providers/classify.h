// Failure classification for the OpenAI family (OpenAI, OpenAI-compatible, Azure): every
// upstream failure becomes exactly one Error{kind} (SPEC 3.1, provider-protocols.md 7).
// Pure functions, thread-safe, no I/O. The HTTP status is the primary signal; the body's
// code/type fields refine it (quota vs rate limit, context window, content policy); message
// text is only a last resort for the context-window and content-policy variants.
// The wall-clock time is a parameter (only an HTTP-date Retry-After needs it).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"
#include "net/http_client.h"

namespace detour {

// WallTime: model/clock.h

// A non-2xx answer. Extracts message/code/param from the error envelope (parsed
// defensively: {"error":{...}}, {"error":"text"}, [{"error":{...}}], {"message":...},
// {"detail":...}, raw text), keeps the raw body in upstream_body, and sets retry_after_s
// from retry-after-ms, Retry-After (seconds or HTTP-date) or, for 429, a body hint.
Error ClassifyHttpError(int status, const net::Headers& headers, std::string_view body,
                        WallTime now);

// An error object found inside a 2xx body or a stream chunk (the value of "error").
// A numeric code (429, "500") is read as a status; otherwise code/type decide; anything
// unrecognised is server_error. Error::status is that numeric code, else 0.
Error ClassifyErrorObject(const Json& error);

// No usable HTTP answer: deadline -> timeout, cancel -> canceled, the rest -> connection.
Error ClassifyTransport(const net::TransportError& failure);

// Server-requested wait from the headers: retry-after-ms first, then Retry-After as
// seconds (float allowed) or an HTTP-date (past dates give 0).
std::optional<double> RetryAfterSeconds(const net::Headers& headers, WallTime now);

// Case-insensitive header lookup; empty when absent.
std::string_view FindHeader(const net::Headers& headers, std::string_view name);

// Replaces every occurrence of `secret` in the error's texts with "[redacted]".
void RedactSecret(Error& error, std::string_view secret);

}  // namespace detour
