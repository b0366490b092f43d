// The failure vocabulary shared by providers, the router and the front ends.
// Every failed upstream attempt is classified exactly once into an ErrorKind (SPEC 3.1);
// policy code switches on the kind and never matches message text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/expected.h"

namespace detour {

enum class ErrorKind {
  kTimeout,        // connect/attempt/first-token/idle deadline, 408, 504
  kConnection,     // refused, reset, DNS, TLS, truncated response
  kRateLimit,      // 429 (not quota), Gemini per-minute RESOURCE_EXHAUSTED
  kServerError,    // 500, 502, 503, 529, overloaded, other 5xx
  kAuth,           // 401, 403, invalid key, quota/billing exhausted
  kNotFound,       // 404, unknown model/deployment
  kContextWindow,  // context_length_exceeded and provider variants
  kContentPolicy,  // content filter / safety rejection of the prompt
  kBadRequest,     // other 400/413/422: the caller's error, returned unchanged
  kCanceled,       // the caller went away (client disconnect, Ctrl-C); never retried
  kUnavailable,    // detour-side: nothing routable (no usable key, all limited)
};
inline constexpr int kErrorKindCount = 11;

// "timeout", "rate_limit", ... as in SPEC 3.1 and the config's retry_policy keys.
std::string_view KindName(ErrorKind kind);
std::optional<ErrorKind> KindFromName(std::string_view name);

struct Error {
  ErrorKind kind = ErrorKind::kServerError;
  int status = 0;               // upstream HTTP status; 0 when no response arrived
  std::string message;          // human text, never a secret
  std::string code;             // provider code field ("context_length_exceeded"), may be empty
  std::string param;            // provider param field, may be empty
  std::optional<double> retry_after_s;  // server-requested wait (Retry-After, retry-after-ms, body hint)
  std::string upstream_body;    // provider's raw error body (returned unchanged for bad_request)
};

template <class T>
using Result = Expected<T, Error>;

inline Error MakeError(ErrorKind kind, std::string message, int status = 0) {
  Error e;
  e.kind = kind;
  e.status = status;
  e.message = std::move(message);
  return e;
}

}  // namespace detour
