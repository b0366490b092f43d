#include "providers/anthropic/classify.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "providers/classify.h"
#include "providers/error_text.h"
#include "util/json_guard.h"

namespace detour::anthropic {
namespace {

constexpr size_t kMaxMessage = 500;

struct Fields {
  std::string type;        // error.type: overloaded_error, invalid_request_error, ...
  std::string message;
  std::string lower;       // message, lower-cased, for the last-resort text checks
  std::string detail_code; // error.details.error_code (spend limits, newer)
};

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Fields FromErrorObject(const Json& error) {
  ErrorEnvelope env = EnvelopeFromError(error);
  Fields f{env.type, env.message, ToLower(env.message), {}};
  if (const Json* details = Field(error, "details"))
    if (const Json* code = Field(*details, "error_code"); code && code->is_string())
      f.detail_code = code->get<std::string>();
  return f;
}

// The body of a non-2xx answer; a body that is not Anthropic's envelope (a proxy's HTML,
// plain text) still yields its text as the message.
Fields FromBody(std::string_view body) {
  Json doc = ParseJsonBounded(body);
  if (const Json* err = Field(doc, "error"); err && err->is_object()) return FromErrorObject(*err);
  ErrorEnvelope env = ParseEnvelope(body);
  return {env.type, env.message, ToLower(env.message), {}};
}

bool Contains(const std::string& text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return text.find(n) != std::string::npos; });
}

bool IsContextWindow(const Fields& f) {
  return Contains(f.lower, {"prompt is too long", "exceed context limit", "prompt: length",
                            "context window", "maximum context length"});
}

// Billing problems share invalid_request_error (400) or rate_limit_error (429) with
// errors that are the caller's or transient; they are a property of the key: auth.
bool IsBilling(const Fields& f) {
  return f.type == "billing_error" || f.detail_code == "enforced_spend_limit_reached" ||
         Contains(f.lower, {"credit balance", "spend limit", "billing"});
}

bool IsContentPolicy(const Fields& f) {
  return Contains(f.lower, {"content filtering policy", "output blocked by content filtering"});
}

// A 400-family answer whose type alone does not say which kind it is.
ErrorKind InvalidRequestKind(const Fields& f) {
  if (IsContextWindow(f)) return ErrorKind::kContextWindow;
  if (IsBilling(f)) return ErrorKind::kAuth;
  if (IsContentPolicy(f)) return ErrorKind::kContentPolicy;
  return ErrorKind::kBadRequest;
}

ErrorKind KindForStatus(int status, const Fields& f) {
  if (status == 408 || status == 504) return ErrorKind::kTimeout;
  if (status == 429) return IsBilling(f) ? ErrorKind::kAuth : ErrorKind::kRateLimit;
  if (status == 401 || status == 402 || status == 403) return ErrorKind::kAuth;
  if (status == 404) return ErrorKind::kNotFound;
  if (status == 413) return ErrorKind::kBadRequest;
  if (status == 409) return ErrorKind::kServerError;  // a conflict: transient, the SDKs retry
  if (status >= 400 && status < 500) return InvalidRequestKind(f);
  return ErrorKind::kServerError;  // 5xx, 529, and statuses no API should answer with
}

ErrorKind KindForType(const Fields& f) {
  const std::string& t = f.type;
  if (t == "rate_limit_error") return IsBilling(f) ? ErrorKind::kAuth : ErrorKind::kRateLimit;
  if (t == "authentication_error" || t == "permission_error" || t == "billing_error")
    return ErrorKind::kAuth;
  if (t == "not_found_error") return ErrorKind::kNotFound;
  if (t == "timeout_error") return ErrorKind::kTimeout;
  if (t == "request_too_large") return ErrorKind::kBadRequest;
  if (t == "invalid_request_error") return InvalidRequestKind(f);
  return ErrorKind::kServerError;  // overloaded_error, api_error, and types newer than this
}

Error Build(ErrorKind kind, int status, const Fields& f, std::string upstream_body) {
  Error e;
  e.kind = kind;
  e.status = status;
  e.code = kind == ErrorKind::kContextWindow ? "context_length_exceeded" : f.type;
  e.message = f.message.empty() ? "upstream answered HTTP " + std::to_string(status)
                                : f.message.substr(0, kMaxMessage);
  e.upstream_body = std::move(upstream_body);
  return e;
}

// The latest reset among the rate-limit buckets the answer says are exhausted (4.7).
std::optional<double> ResetHint(const net::Headers& headers, WallTime now) {
  std::optional<double> wait;
  for (std::string_view bucket : {"requests", "tokens", "input-tokens", "output-tokens"}) {
    std::string prefix = "anthropic-ratelimit-" + std::string(bucket);
    auto remaining = ParseNonNegative(FindHeader(headers, prefix + "-remaining"));
    if (!remaining || *remaining > 0) continue;
    auto reset = ParseRfc3339(FindHeader(headers, prefix + "-reset"));
    if (!reset) continue;
    double seconds = std::max(0.0, std::chrono::duration<double>(*reset - now).count());
    wait = std::max(wait.value_or(0.0), seconds);
  }
  return wait;
}

}  // namespace

std::optional<WallTime> ParseRfc3339(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  const char* p = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == nullptr) return std::nullopt;
  double fraction = 0;
  if (*p == '.') {
    char* end = nullptr;
    fraction = std::strtod(p, &end);
    p = end;
  }
  long offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if ((*p == '+' || *p == '-') && std::isdigit(static_cast<unsigned char>(p[1]))) {
    int hours = 0, minutes = 0, used = 0;
    if (std::sscanf(p + 1, "%2d:%2d%n", &hours, &minutes, &used) != 2 || used != 5) return std::nullopt;
    offset_s = (hours * 3600L + minutes * 60L) * (*p == '-' ? -1 : 1);
    p += 1 + used;
  } else {
    return std::nullopt;
  }
  if (*p != '\0') return std::nullopt;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  auto at = std::chrono::system_clock::from_time_t(t - offset_s);
  return at + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                  std::chrono::duration<double>(fraction));
}

std::optional<double> RetryAfter(int status, const net::Headers& headers, WallTime now) {
  if (auto server = RetryAfterSeconds(headers, now)) return server;
  if (status == 429) return ResetHint(headers, now);
  return std::nullopt;
}

Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body, WallTime now) {
  Fields f = FromBody(body);
  Error e = Build(KindForStatus(status, f), status, f, std::string(body));
  e.retry_after_s = RetryAfter(status, headers, now);
  return e;
}

Error ClassifyErrorObject(const Json& error, int status) {
  Fields f = FromErrorObject(error);
  Json envelope = {{"type", "error"}, {"error", error}};
  Error e = Build(KindForType(f), status, f,
                  envelope.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (f.message.empty()) e.message = "upstream reported an error";
  return e;
}

}  // namespace detour::anthropic
