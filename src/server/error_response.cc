#include "server/error_response.h"

namespace detour {
namespace {

Json NullIfEmpty(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// OpenAI's `type` for a failed walk, by the kind that defined it.
std::string TypeFor(const RouteFailure& f) {
  switch (f.error.kind) {
    case ErrorKind::kRateLimit: return "rate_limit_error";
    case ErrorKind::kTimeout: return "timeout_error";
    case ErrorKind::kNotFound: return f.unknown_model ? "invalid_request_error" : "upstream_error";
    case ErrorKind::kBadRequest:
    case ErrorKind::kContextWindow:
    case ErrorKind::kContentPolicy: return "invalid_request_error";
    case ErrorKind::kUnavailable: return "service_unavailable";
    case ErrorKind::kCanceled: return "canceled";
    default: return "upstream_error";
  }
}

std::string CodeFor(const RouteFailure& f) {
  if (!f.error.code.empty()) return f.error.code;
  if (f.unknown_model) return "model_not_found";
  return std::string(KindName(f.error.kind));
}

}  // namespace

Json AttemptsJson(const std::vector<AttemptRecord>& attempts) {
  Json out = Json::array();
  for (const auto& a : attempts) {
    Json j = {{"deployment", a.deployment},
              {"kind", a.ok ? "ok" : a.hedge_lost ? "hedge_lost" : std::string(KindName(a.kind))},
              {"status", a.status},
              {"message", a.message},
              {"elapsed_ms", a.elapsed.count()}};
    if (a.hedge) j["hedge"] = true;
    if (a.skipped) {  // SPEC 9: the pre-flight check, no upstream request
      j["skipped"] = true;
      j["estimate_tokens"] = a.estimate_tokens;
      j["context_window"] = a.context_window;
    }
    out.push_back(std::move(j));
  }
  return out;
}

Json ApiErrorJson(const ApiError& e) {
  return {{"error",
           {{"message", e.message}, {"type", e.type}, {"code", NullIfEmpty(e.code)},
            {"param", NullIfEmpty(e.param)}}}};
}

void WriteApiError(const ApiError& e, net::ServerResponse& out) {
  out.status = e.status;
  out.content_type = "application/json";
  out.body = ApiErrorJson(e).dump();
}

Json RouteFailureJson(const RouteFailure& f) {
  std::string message = f.error.message;
  if (!f.attempts.empty() && !f.committed)
    message = "all " + std::to_string(f.attempts.size()) + " upstream attempt(s) failed; last: " + message;
  return {{"error",
           {{"message", message}, {"type", TypeFor(f)}, {"code", CodeFor(f)},
            {"param", NullIfEmpty(f.error.param)}, {"attempts", AttemptsJson(f.attempts)}}}};
}

void WriteRouteFailure(const RouteFailure& f, net::ServerResponse& out) {
  out.status = f.status;
  out.content_type = "application/json";
  if (f.retry_after_s) out.headers.emplace_back("Retry-After", std::to_string(*f.retry_after_s));
  out.headers.emplace_back("x-detour-attempts", std::to_string(f.attempts.size()));
  // SPEC 3.2 step 3: the caller's own mistake comes back exactly as the provider said it.
  if (f.error.kind == ErrorKind::kBadRequest && !f.error.upstream_body.empty()) {
    out.body = f.error.upstream_body;
    return;
  }
  out.body = RouteFailureJson(f).dump();
}

std::string StreamErrorEvent(const RouteFailure& f) {
  return "data: " + RouteFailureJson(f).dump() + "\n\n";
}

}  // namespace detour
