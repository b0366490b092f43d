#include "server/gateway.h"

#include "server/anthropic_api.h"
#include "server/auth.h"
#include "server/error_response.h"
#include "server/health.h"
#include "server/openai_api.h"
#include "server/request_log.h"
#include "server/stream_bridge.h"

namespace detour {
namespace {

// `attempts` counts every upstream attempt made so far, the answering one included.
void AddRouteHeaders(const RouteInfo& route, size_t attempts, net::ServerResponse& out) {
  out.headers.emplace_back("x-detour-deployment", route.deployment);
  out.headers.emplace_back("x-detour-model-group", route.group);
  out.headers.emplace_back("x-detour-attempts", std::to_string(attempts));
  if (route.cache != CacheStatus::kOff)
    out.headers.emplace_back("x-detour-cache", route.cache == CacheStatus::kHit ? "hit" : "miss");
}

}  // namespace

Gateway::Gateway(Router& router, const ServerConfig& cfg)
    : router_(router), max_body_(cfg.max_body),
      keys_(std::make_shared<const std::vector<std::string>>(cfg.api_keys)) {}

void Gateway::SetApiKeys(std::vector<std::string> keys) {
  auto next = std::make_shared<const std::vector<std::string>>(std::move(keys));
  std::lock_guard<std::mutex> lock(keys_mu_);
  keys_ = std::move(next);
}

void Gateway::Install(net::HttpServer& http) {
  // The hot route first: the server matches routes in registration order.
  http.Route("POST", "/v1/chat/completions",
             [this](const auto& req, auto& out) { ChatCompletions(req, out); });
  http.Route("POST", "/v1/messages", [this](const auto& req, auto& out) { Messages(req, out); });
  http.Route("POST", "/v1/embeddings", [this](const auto& req, auto& out) { Embeddings(req, out); });
  http.Route("GET", "/v1/models", [this](const auto& req, auto& out) { Models(req, out); });
  http.Route("GET", "/health", [this](const auto& req, auto& out) { Health(req, out); });
  http.Route("GET", "/healthz", [](const auto&, auto& out) {
    out.content_type = "text/plain";
    out.body = "ok";
  });
}

void Gateway::OnHttpError(const net::ServerRequest& req, net::ServerResponse& out) {
  ApiError e;
  e.status = out.status;
  if (out.status == 413) {
    e.message = "the request body is larger than server.max_body (" + std::to_string(max_body_) + " bytes)";
    e.code = "request_too_large";
  } else if (out.status == 404) {
    e.message = "no such endpoint: " + req.method + " " + req.path +
                " (detour serves POST /v1/chat/completions, POST /v1/messages, POST /v1/embeddings, GET /v1/models, "
                "/health, /healthz)";
    e.code = "not_found";
  } else if (out.status == 431) {
    e.message = "the request line and headers are larger than 64 KiB";
    e.code = "request_header_too_large";
  } else if (out.status == 500) {
    e.message = "internal error while handling " + req.method + " " + req.path;
    e.type = "server_error";
  } else {
    e.message = "malformed HTTP request (HTTP status " + std::to_string(out.status) + ")";
  }
  WriteApiError(e, out);
}

bool Gateway::Authorized(const net::ServerRequest& req, net::ServerResponse& out, Surface surface) const {
  std::shared_ptr<const std::vector<std::string>> keys;
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    keys = keys_;
  }
  if (BearerAuthorized(req.Header("Authorization"), *keys)) return true;
  if (surface == Surface::kAnthropic && ApiKeyAuthorized(req.Header("x-api-key"), *keys)) return true;
  ApiError e;
  e.status = 401;
  e.type = "authentication_error";
  e.code = "invalid_api_key";
  e.message = surface == Surface::kAnthropic
                  ? "missing or invalid API key: send `x-api-key: <key>` (or `Authorization: Bearer <key>`) with a key from server.api_keys"
                  : "missing or invalid API key: send `Authorization: Bearer <key>` with a key from server.api_keys";
  if (surface == Surface::kAnthropic) WriteAnthropicError(e, out);
  else WriteApiError(e, out);
  return false;
}

void Gateway::ChatCompletions(const net::ServerRequest& http_req, net::ServerResponse& out) {
  if (!Authorized(http_req, out, Surface::kOpenAI)) return;
  auto parsed = ParseChatRequest(http_req.body);
  if (!parsed.ok()) {
    WriteApiError(parsed.error(), out);
    return;
  }
  parsed->overrides.cache = ParseCacheDirective(http_req.Header("x-detour-cache"));
  if (parsed->stream) Stream(std::move(parsed.value()), out, Surface::kOpenAI);
  else Complete(std::move(parsed.value()), out, Surface::kOpenAI);
}

void Gateway::Messages(const net::ServerRequest& http_req, net::ServerResponse& out) {
  if (!Authorized(http_req, out, Surface::kAnthropic)) return;
  auto parsed = ParseMessagesRequest(http_req.body);
  if (!parsed.ok()) {
    WriteAnthropicError(parsed.error(), out);
    return;
  }
  parsed->overrides.cache = ParseCacheDirective(http_req.Header("x-detour-cache"));
  if (parsed->stream) Stream(std::move(parsed.value()), out, Surface::kAnthropic);
  else Complete(std::move(parsed.value()), out, Surface::kAnthropic);
}

void Gateway::Embeddings(const net::ServerRequest& http_req, net::ServerResponse& out) {
  if (!Authorized(http_req, out, Surface::kOpenAI)) return;
  auto parsed = ParseEmbeddingRequest(http_req.body);
  if (!parsed.ok()) {
    WriteApiError(parsed.error(), out);
    return;
  }
  auto r = router_.Embed(*parsed);
  if (!r.ok()) {
    WriteRouteFailure(r.error(), out);
    return;
  }
  out.status = 200;
  AddRouteHeaders(r->route, r->route.attempts.size(), out);
  if (r->route.cost_usd > 0) out.headers.emplace_back("x-detour-cost-usd", FormatUsd(r->route.cost_usd));
  out.body = r->response.body.dump();
}

void Gateway::Complete(ChatRequest req, net::ServerResponse& out, Surface surface) {
  auto r = router_.Complete(req);
  if (!r.ok()) {
    if (surface == Surface::kAnthropic) WriteAnthropicRouteFailure(r.error(), out);
    else WriteRouteFailure(r.error(), out);
    return;
  }
  out.status = 200;
  AddRouteHeaders(r->route, r->route.attempts.size(), out);
  if (r->route.cost_usd > 0) out.headers.emplace_back("x-detour-cost-usd", FormatUsd(r->route.cost_usd));
  out.body = surface == Surface::kAnthropic ? MessageFromCompletion(r->response.body).dump()
                                            : r->response.body.dump();
}

void Gateway::Stream(ChatRequest req, net::ServerResponse& out, Surface surface) {
  auto encoder = surface == Surface::kAnthropic ? MakeAnthropicStreamEncoder() : MakeOpenAIStreamEncoder();
  auto bridge = StreamBridge::Start(router_, std::move(req), std::move(encoder));
  auto outcome = bridge->WaitForCommit();
  if (!outcome.committed) {
    if (surface == Surface::kAnthropic) WriteAnthropicRouteFailure(outcome.failure, out);
    else WriteRouteFailure(outcome.failure, out);
    return;
  }
  out.status = 200;
  out.content_type = "text/event-stream";
  out.headers.emplace_back("Cache-Control", "no-cache");
  // At commit the route lists the attempts before the one that produced the first token
  // (none at all for a cache hit).
  size_t attempts = outcome.route.cache == CacheStatus::kHit ? 0 : outcome.route.attempts.size() + 1;
  AddRouteHeaders(outcome.route, attempts, out);
  out.stream = [bridge](net::BodyWriter& w) { bridge->Pump(w); };
}

void Gateway::Models(const net::ServerRequest& req, net::ServerResponse& out) {
  if (!Authorized(req, out, Surface::kOpenAI)) return;
  out.body = ModelsList(*router_.table()).dump();
}

void Gateway::Health(const net::ServerRequest& req, net::ServerResponse& out) {
  if (!Authorized(req, out, Surface::kOpenAI)) return;
  out.body = HealthJson(*router_.table(), router_.store(), router_.clock().Now()).dump();
}

}  // namespace detour
