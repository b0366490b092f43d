// Status first, then the envelope's code/type, then (last resort) message substrings:
// provider-protocols.md 7.1. Parsing never throws: nlohmann is used in no-throw mode and
// every field is type-checked before it is read.
#include "providers/classify.h"

#include <algorithm>
#include <array>
#include <string>

#include "providers/error_text.h"
#include "util/ascii.h"

namespace detour {
namespace {

constexpr size_t kMaxMessage = 500;  // raw non-JSON bodies (CDN HTML) are cut to this

bool Is(const std::string& s, std::string_view v) { return s == v; }

bool IsQuota(const ErrorEnvelope& env, const std::string& msg) {
  return Is(env.code, "insufficient_quota") || Is(env.type, "insufficient_quota") ||
         msg.find("exceeded your current quota") != std::string::npos;
}

bool IsContextWindow(const ErrorEnvelope& env, const std::string& msg) {
  if (Is(env.code, "context_length_exceeded")) return true;
  // OpenAI's 64-char `user` limit and string_above_max_length look alike but are not.
  if (Is(env.code, "string_above_max_length")) return false;
  if (msg.find("invalid 'user'") != std::string::npos) return false;
  static constexpr std::array<std::string_view, 11> kText = {
      "maximum context length", "exceed context limit", "model's maximum context limit",
      "is longer than the model's context length", "input tokens exceed the configured limit",
      "`inputs` tokens + `max_new_tokens` must be", "exceeds the available context size",
      "exceeds the maximum number of tokens allowed", "string too long. expected a string "
      "with maximum length", "prompt is too long", "maximum input length is"};
  for (std::string_view t : kText)
    if (msg.find(t) != std::string::npos) return true;
  return msg.find("current length is") != std::string::npos &&
         msg.find("while limit is") != std::string::npos;
}

bool IsContentPolicy(const ErrorEnvelope& env, const std::string& msg) {
  std::string code = ToLower(env.code), inner = ToLower(env.inner_code);
  if (code == "content_policy_violation" || code == "content_filter" ||
      inner == "responsibleaipolicyviolation" || code == "responsibleaipolicyviolation")
    return true;
  static constexpr std::array<std::string_view, 6> kText = {
      "responsibleaipolicyviolation", "azure openai's content management",
      "your task failed as a result of our safety system", "content_filter_policy",
      "rejected as a result of our safety system", "content_policy_violation"};
  for (std::string_view t : kText)
    if (msg.find(t) != std::string::npos) return true;
  return false;
}

ErrorKind KindForStatus(int status, const ErrorEnvelope& env) {
  std::string msg = ToLower(env.message);
  if (status == 408 || status == 504) return ErrorKind::kTimeout;
  if (status == 429) return IsQuota(env, msg) ? ErrorKind::kAuth : ErrorKind::kRateLimit;
  if (status == 401 || status == 402 || status == 403) return ErrorKind::kAuth;
  if (status == 404) return ErrorKind::kNotFound;
  if (status == 409) return ErrorKind::kServerError;  // lock conflict: transient, SDKs retry
  if (status >= 400 && status < 500) {
    if (IsContextWindow(env, msg)) return ErrorKind::kContextWindow;
    if (IsContentPolicy(env, msg)) return ErrorKind::kContentPolicy;
    return ErrorKind::kBadRequest;
  }
  return ErrorKind::kServerError;  // 5xx, 529, and statuses no API should answer with
}

// "Please try again in 1.4s" / "in 20ms" (OpenAI), "Please retry after 6 seconds" (Azure).
std::optional<double> BodyRetryHint(const std::string& lower_msg) {
  for (std::string_view lead : {"try again in ", "retry after "}) {
    size_t at = lower_msg.find(lead);
    if (at == std::string::npos) continue;
    const char* start = lower_msg.c_str() + at + lead.size();
    char* end = nullptr;
    double value = std::strtod(start, &end);
    if (end == start || value < 0) continue;
    std::string_view unit(end, lower_msg.c_str() + lower_msg.size() - end);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    if (unit.substr(0, 2) == "ms") return value / 1000.0;
    if (unit.substr(0, 1) == "s") return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view FindHeader(const net::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::optional<double> RetryAfterSeconds(const net::Headers& headers, WallTime now) {
  if (auto ms = ParseNonNegative(FindHeader(headers, "retry-after-ms"))) return *ms / 1000.0;
  std::string_view value = FindHeader(headers, "retry-after");
  if (value.empty()) return std::nullopt;
  if (auto s = ParseNonNegative(value)) return s;
  if (auto at = ParseHttpDate(value)) {
    double wait = std::chrono::duration<double>(*at - now).count();
    return std::max(0.0, wait);
  }
  return std::nullopt;
}

Error ClassifyHttpError(int status, const net::Headers& headers, std::string_view body,
                        WallTime now) {
  ErrorEnvelope env = ParseEnvelope(body);
  Error e;
  e.status = status;
  e.kind = KindForStatus(status, env);
  e.code = env.code;
  e.param = env.param;
  e.upstream_body = std::string(body);
  e.message = env.message.empty() ? "upstream answered HTTP " + std::to_string(status)
                                  : env.message.substr(0, kMaxMessage);
  e.retry_after_s = RetryAfterSeconds(headers, now);
  if (!e.retry_after_s && status == 429) e.retry_after_s = BodyRetryHint(ToLower(env.message));
  return e;
}

Error ClassifyErrorObject(const Json& error) {
  ErrorEnvelope env = EnvelopeFromError(error);
  Error e;
  e.code = env.code;
  e.param = env.param;
  e.message = env.message.empty() ? "upstream reported an error" : env.message;
  e.upstream_body = Json({{"error", error}}).dump(-1, ' ', false,
                                                  Json::error_handler_t::replace);
  int status = env.numeric_code;
  std::string msg = ToLower(env.message);
  std::string code = ToLower(env.code), type = ToLower(env.type);
  if (status >= 400 && status < 600) {
    e.status = status;
    e.kind = KindForStatus(status, env);
  } else if (IsQuota(env, msg) || code == "invalid_api_key" || type == "authentication_error" ||
             type == "permission_error") {
    e.kind = ErrorKind::kAuth;
  } else if (code == "rate_limit_exceeded" || type == "rate_limit_error") {
    e.kind = ErrorKind::kRateLimit;
  } else if (IsContextWindow(env, msg)) {
    e.kind = ErrorKind::kContextWindow;
  } else if (IsContentPolicy(env, msg)) {
    e.kind = ErrorKind::kContentPolicy;
  } else if (code == "model_not_found" || code == "deploymentnotfound" ||
             type == "not_found_error") {
    e.kind = ErrorKind::kNotFound;
  } else if (type == "timeout_error") {
    e.kind = ErrorKind::kTimeout;
  } else {
    e.kind = ErrorKind::kServerError;
  }
  if (e.kind == ErrorKind::kRateLimit) e.retry_after_s = BodyRetryHint(msg);
  return e;
}

Error ClassifyTransport(const net::TransportError& failure) {
  switch (failure.what) {
    case net::Failure::kTimeout:
      return MakeError(ErrorKind::kTimeout, "upstream timed out: " + failure.message);
    case net::Failure::kCanceled:
      return MakeError(ErrorKind::kCanceled, "canceled: " + failure.message);
    case net::Failure::kConnect:
      return MakeError(ErrorKind::kConnection, "cannot connect to upstream: " + failure.message);
    case net::Failure::kReset:
      return MakeError(ErrorKind::kConnection, "upstream connection lost: " + failure.message);
    case net::Failure::kTls:
      return MakeError(ErrorKind::kConnection, "TLS failure: " + failure.message);
    case net::Failure::kOther:
      break;
  }
  return MakeError(ErrorKind::kConnection, "upstream transport error: " + failure.message);
}

void RedactSecret(Error& error, std::string_view secret) {
  if (secret.empty()) return;
  for (std::string* text : {&error.message, &error.upstream_body, &error.code, &error.param}) {
    for (size_t at = text->find(secret); at != std::string::npos;
         at = text->find(secret, at)) {
      text->replace(at, secret.size(), "[redacted]");
      at += 10;
    }
  }
}

}  // namespace detour
