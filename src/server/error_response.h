// OpenAI-shaped error bodies and statuses for `serve` (SPEC 4.3): detour's own errors
// (ApiError) and failed walks (RouteFailure, with the attempts list), for whole responses
// and for the error event that ends a committed stream.
#pragma once

#include <string>
#include <vector>

#include "core/router.h"
#include "net/http_server.h"
#include "server/openai_api.h"

namespace detour {

// [{"deployment", "kind", "status", "message", "elapsed_ms"}, ...]
Json AttemptsJson(const std::vector<AttemptRecord>& attempts);

// {"error": {"message", "type", "code", "param"}}
Json ApiErrorJson(const ApiError& e);
void WriteApiError(const ApiError& e, net::ServerResponse& out);

// The walk failed before anything was sent: status per SPEC 3.2 step 6, Retry-After for an
// all-rate-limited walk, the attempts in the body. A bad_request is returned as the
// provider sent it.
void WriteRouteFailure(const RouteFailure& f, net::ServerResponse& out);

// The error object for a failed walk (also the payload of a stream's error event).
Json RouteFailureJson(const RouteFailure& f);

// `data: {"error": {...}}\n\n` — ends a committed stream that failed (no [DONE] follows).
std::string StreamErrorEvent(const RouteFailure& f);

}  // namespace detour
