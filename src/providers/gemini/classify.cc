#include "providers/gemini/classify.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>

#include "providers/classify.h"
#include "providers/error_text.h"
#include "util/json_guard.h"

namespace detour::gemini {
namespace {

constexpr size_t kMaxMessage = 1000;

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string Str(const Json* v) { return v && v->is_string() ? v->get<std::string>() : std::string(); }

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

struct GoogleError {
  int code = 0;
  std::string message, status, reason;
  std::optional<double> retry_delay;
  bool per_day_quota = false;
};

int CodeOf(const Json* v) {
  if (v && v->is_number_integer()) return static_cast<int>(v->get<int64_t>());
  if (v && v->is_string()) return std::atoi(v->get<std::string>().c_str());
  return 0;
}

void ReadDetail(const Json& d, GoogleError& g) {
  std::string type = Str(Field(d, "@type"));
  if (EndsWith(type, "ErrorInfo") && g.reason.empty()) g.reason = Str(Field(d, "reason"));
  if (EndsWith(type, "RetryInfo")) g.retry_delay = ParseDuration(Str(Field(d, "retryDelay")));
  const Json* violations = Field(d, "violations");
  if (EndsWith(type, "QuotaFailure") && violations && violations->is_array())
    for (const Json& v : *violations)
      if (Str(Field(v, "quotaId")).find("PerDay") != std::string::npos) g.per_day_quota = true;
}

GoogleError Read(const Json& error) {
  GoogleError g;
  if (!error.is_object()) {
    g.message = error.is_string() ? error.get<std::string>() : std::string();
    return g;
  }
  g.code = CodeOf(Field(error, "code"));
  g.message = Str(Field(error, "message")).substr(0, kMaxMessage);
  g.status = Str(Field(error, "status"));
  if (const Json* details = Field(error, "details"); details && details->is_array())
    for (const Json& d : *details) ReadDetail(d, g);
  return g;
}

// The error object of a body, unwrapping the one-element array form.
const Json* ErrorOf(const Json& doc) {
  const Json& root = doc.is_array() && !doc.empty() ? doc[0] : doc;
  return Field(root, "error");
}

bool SaysContextWindow(const std::string& message) {
  static constexpr std::array<std::string_view, 4> kText = {
      "exceeds the maximum number of tokens allowed", "input token count", "request payload size exceeds",
      "prompt is too long"};
  std::string lower = ToLower(message);
  for (std::string_view t : kText)
    if (lower.find(t) != std::string::npos) return true;
  return false;
}

ErrorKind Kind(int http, const GoogleError& g) {
  const std::string& s = g.status;
  if (g.reason == "API_KEY_INVALID" || ToLower(g.message).find("api key not valid") != std::string::npos)
    return ErrorKind::kAuth;
  if (http == 429 || s == "RESOURCE_EXHAUSTED" || (http >= 500 && g.code == 429))
    return g.per_day_quota ? ErrorKind::kAuth : ErrorKind::kRateLimit;
  if (http == 401 || http == 403 || s == "UNAUTHENTICATED" || s == "PERMISSION_DENIED" ||
      s == "FAILED_PRECONDITION")
    return ErrorKind::kAuth;
  if (http == 404 || s == "NOT_FOUND") return ErrorKind::kNotFound;
  if (http == 408 || http == 504 || s == "DEADLINE_EXCEEDED") return ErrorKind::kTimeout;
  if (http >= 400 && http < 500)
    return SaysContextWindow(g.message) ? ErrorKind::kContextWindow : ErrorKind::kBadRequest;
  return ErrorKind::kServerError;
}

// Google's canonical codes, for an error object that carries no usable numeric code.
int StatusFor(const std::string& canonical) {
  static const std::array<std::pair<std::string_view, int>, 10> kCodes = {{
      {"INVALID_ARGUMENT", 400}, {"FAILED_PRECONDITION", 400}, {"UNAUTHENTICATED", 401},
      {"PERMISSION_DENIED", 403}, {"NOT_FOUND", 404}, {"RESOURCE_EXHAUSTED", 429},
      {"CANCELLED", 499}, {"INTERNAL", 500}, {"UNAVAILABLE", 503}, {"DEADLINE_EXCEEDED", 504}}};
  for (const auto& [name, code] : kCodes)
    if (canonical == name) return code;
  return 500;
}

// "... Please retry in 22.231358113s." at the end of a RESOURCE_EXHAUSTED message.
std::optional<double> MessageHint(const std::string& message) {
  size_t at = ToLower(message).find("retry in ");
  if (at == std::string::npos) return std::nullopt;
  return ParseDuration(std::string_view(message).substr(at + 9));
}

Error Build(int http, const GoogleError& g, std::string raw) {
  Error e;
  e.status = http;
  e.kind = Kind(http, g);
  e.code = !g.reason.empty() ? g.reason : g.status;
  e.message = g.message.empty() ? "upstream answered HTTP " + std::to_string(http) : g.message;
  e.upstream_body = std::move(raw);
  if (e.kind == ErrorKind::kRateLimit) e.retry_after_s = g.retry_delay;
  return e;
}

}  // namespace

std::optional<double> ParseDuration(std::string_view text) {
  std::string s(text.substr(0, 40));
  char* end = nullptr;
  double value = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(value) || value < 0 || *end != 's') return std::nullopt;
  return value;
}

Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body, WallTime now) {
  Json doc = ParseJsonBounded(body);
  const Json* error = ErrorOf(doc);
  if (!error) return ClassifyHttpError(status, headers, body, now);
  GoogleError g = Read(*error);
  Error e = Build(status, g, std::string(body));
  // RetryInfo first (Gemini's own signal), then a Retry-After header, then the text.
  if (e.kind == ErrorKind::kRateLimit && !e.retry_after_s) e.retry_after_s = RetryAfterSeconds(headers, now);
  if (e.kind == ErrorKind::kRateLimit && !e.retry_after_s) e.retry_after_s = MessageHint(g.message);
  return e;
}

Error ClassifyErrorObject(const Json& error) {
  GoogleError g = Read(error);
  int http = g.code >= 400 && g.code < 600 ? g.code : StatusFor(g.status);
  Error e = Build(http, g, Json({{"error", error}}).dump(-1, ' ', false, Json::error_handler_t::replace));
  if (e.kind == ErrorKind::kRateLimit && !e.retry_after_s) e.retry_after_s = MessageHint(g.message);
  if (g.message.empty()) e.message = "upstream reported an error";
  return e;
}

}  // namespace detour::gemini
