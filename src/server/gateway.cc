#include "server/gateway.h"

#include <cctype>

#include "server/anthropic_api.h"
#include "server/auth.h"
#include "server/error_response.h"
#include "server/health.h"
#include "server/openai_api.h"
#include "server/request_log.h"
#include "server/status_page.h"
#include "server/client_stream.h"

namespace detour {

void AddRouteHeaders(const RouteInfo& route, size_t attempts, net::ServerResponse& out) {
  out.headers.reserve(out.headers.size() + 4);  // one allocation, not the vector's three growths
  out.headers.emplace_back("x-detour-deployment", route.deployment);
  out.headers.emplace_back("x-detour-model-group", route.group);
  out.headers.emplace_back("x-detour-attempts", std::to_string(attempts));
  if (route.cache != CacheStatus::kOff)
    out.headers.emplace_back("x-detour-cache", route.cache == CacheStatus::kHit ? "hit" : "miss");
}

namespace {

// The x-detour-* headers a routed answer carries: request id, deployment, model group,
// attempts, cache, cost. Reserved at once: one allocation instead of the vector's growths.
constexpr size_t kGatewayHeaders = 6;

// Team names come from a header when no keys are configured: keep them short and plain so
// they are safe as metric labels, log fields and JSON keys.
bool ValidTeamName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace

std::shared_ptr<const Gateway::Clients> Gateway::ClientsOf(const ServerConfig& cfg) {
  auto c = std::make_shared<Gateway::Clients>();
  c->keys = cfg.api_keys;
  for (size_t i = 0; i < cfg.api_keys.size(); ++i)
    c->teams.push_back(i < cfg.clients.size() ? cfg.clients[i].team : std::string("default"));
  return c;
}

Gateway::Gateway(Router& router, const ServerConfig& cfg)
    : router_(router), max_body_(cfg.max_body), clients_(ClientsOf(cfg)) {}

void Gateway::SetClients(const ServerConfig& cfg) {
  auto next = ClientsOf(cfg);
  std::lock_guard<std::mutex> lock(keys_mu_);
  clients_ = std::move(next);
}

void Gateway::Install(net::HttpServer& http) {
  // The hot route first: the server matches routes in registration order.
  http.Route("POST", "/v1/chat/completions",
             [this](const auto& req, auto& out) { ChatCompletions(req, out); });
  http.Route("POST", "/v1/messages", [this](const auto& req, auto& out) { Messages(req, out); });
  http.Route("POST", "/v1/embeddings", [this](const auto& req, auto& out) { Embeddings(req, out); });
  http.Route("GET", "/v1/models", [this](const auto& req, auto& out) { Models(req, out); });
  http.Route("GET", "/health", [this](const auto& req, auto& out) { Health(req, out); });
  http.Route("GET", "/ui", [this](const auto& req, auto& out) { StatusPage(req, out); });
  http.Route("GET", "/ui/status.json", [this](const auto& req, auto& out) { StatusJson(req, out); });
  http.Route("GET", "/metrics", [this](const auto& req, auto& out) { MetricsPage(req, out); });
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
                "/health, /healthz, /metrics, /ui)";
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

std::optional<std::string> Gateway::Admit(const net::ServerRequest& req, net::ServerResponse& out,
                                          Surface surface) const {
  std::shared_ptr<const Clients> clients;
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    clients = clients_;
  }
  // The error is built only when there is one (its default strings cost an allocation on
  // every request otherwise).
  auto reject = [&](const ApiError& e) -> std::optional<std::string> {
    if (surface == Surface::kAnthropic) WriteAnthropicError(e, out);
    else WriteApiError(e, out);
    if (surface == Surface::kPage && e.status == 401)  // the browser asks for the key
      out.headers.emplace_back("WWW-Authenticate", "Basic realm=\"detour\", charset=\"UTF-8\"");
    return std::nullopt;
  };
  if (clients->keys.empty()) {
    std::string header = req.Header("x-detour-team");  // owned: Header returns a copy
    if (header.empty()) return std::string("default");
    if (ValidTeamName(header)) return std::string(header);
    return reject(Invalid("x-detour-team", "the x-detour-team header must be 1-64 letters, digits, '-', '_' or '.'"));
  }
  if (auto i = MatchingKey(PresentedKey(req.Header("Authorization"), ""), clients->keys))
    return clients->teams[*i];
  if (surface == Surface::kAnthropic)
    if (auto i = MatchingKey(req.Header("x-api-key"), clients->keys)) return clients->teams[*i];
  if (surface == Surface::kPage)
    if (auto i = MatchingKey(BasicPassword(req.Header("Authorization")), clients->keys)) return clients->teams[*i];
  ApiError e;
  e.status = 401;
  e.type = "authentication_error";
  e.code = "invalid_api_key";
  e.message = surface == Surface::kAnthropic
                  ? "missing or invalid API key: send `x-api-key: <key>` (or `Authorization: Bearer <key>`) with a key from server.api_keys"
                  : "missing or invalid API key: send `Authorization: Bearer <key>` with a key from server.api_keys";
  return reject(e);
}

std::optional<std::string> Gateway::AdmitWithinBudget(const net::ServerRequest& req, net::ServerResponse& out,
                                                      Surface surface) const {
  auto team = Admit(req, out, surface);
  if (!team || budgets_ == nullptr) return team;
  BudgetVerdict v = budgets_->Check(*team);
  if (!v.over) return team;
  ApiError e;
  e.status = 429;
  e.type = "rate_limit_error";
  e.code = "budget_exceeded";
  e.message = "team \"" + *team + "\" has spent $" + FormatUsd(v.spent_usd) + " of its $" +
              FormatUsd(v.limit_usd) + " budget per " + v.per + "; it resets in " +
              std::to_string(v.retry_after_s) + " s";
  if (surface == Surface::kAnthropic) WriteAnthropicError(e, out);
  else WriteApiError(e, out);
  out.headers.emplace_back("Retry-After", std::to_string(v.retry_after_s));
  return std::nullopt;
}

void Gateway::ChatCompletions(const net::ServerRequest& http_req, net::ServerResponse& out) {
  auto team = AdmitWithinBudget(http_req, out, Surface::kOpenAI);
  if (!team) return;
  auto parsed = ParseChatRequest(http_req.body);
  if (!parsed.ok()) {
    WriteApiError(parsed.error(), out);
    return;
  }
  parsed->overrides.cache = ParseCacheDirective(http_req.Header("x-detour-cache"));
  parsed->session = std::string(http_req.Header("x-detour-session"));
  RouteOptions opts;
  opts.team = std::move(*team);
  opts.request_id = router_.NewRequestId();
  out.headers.reserve(kGatewayHeaders);
  out.headers.emplace_back("x-detour-request-id", opts.request_id);
  if (parsed->stream) Stream(std::move(parsed.value()), opts, out, Surface::kOpenAI);
  else Complete(std::move(parsed.value()), opts, out, Surface::kOpenAI);
}

void Gateway::Messages(const net::ServerRequest& http_req, net::ServerResponse& out) {
  auto team = AdmitWithinBudget(http_req, out, Surface::kAnthropic);
  if (!team) return;
  auto parsed = ParseMessagesRequest(http_req.body);
  if (!parsed.ok()) {
    WriteAnthropicError(parsed.error(), out);
    return;
  }
  parsed->overrides.cache = ParseCacheDirective(http_req.Header("x-detour-cache"));
  parsed->session = std::string(http_req.Header("x-detour-session"));
  RouteOptions opts;
  opts.team = std::move(*team);
  opts.request_id = router_.NewRequestId();
  out.headers.reserve(kGatewayHeaders);
  out.headers.emplace_back("x-detour-request-id", opts.request_id);
  if (parsed->stream) Stream(std::move(parsed.value()), opts, out, Surface::kAnthropic);
  else Complete(std::move(parsed.value()), opts, out, Surface::kAnthropic);
}

void Gateway::Embeddings(const net::ServerRequest& http_req, net::ServerResponse& out) {
  auto team = AdmitWithinBudget(http_req, out, Surface::kOpenAI);
  if (!team) return;
  auto parsed = ParseEmbeddingRequest(http_req.body);
  if (!parsed.ok()) {
    WriteApiError(parsed.error(), out);
    return;
  }
  RouteOptions opts;
  opts.team = std::move(*team);
  opts.request_id = router_.NewRequestId();
  out.headers.reserve(kGatewayHeaders);
  out.headers.emplace_back("x-detour-request-id", opts.request_id);
  auto r = router_.Embed(*parsed, opts);
  if (!r.ok()) {
    WriteRouteFailure(r.error(), out);
    return;
  }
  out.status = 200;
  AddRouteHeaders(r->route, r->route.attempts.size(), out);
  if (r->route.cost_usd > 0) out.headers.emplace_back("x-detour-cost-usd", FormatUsd(r->route.cost_usd));
  out.body = r->response.body.dump();
}

void Gateway::Complete(ChatRequest req, const RouteOptions& opts, net::ServerResponse& out, Surface surface) {
  auto r = router_.Complete(req, opts);
  if (!r.ok()) {
    if (surface == Surface::kAnthropic) WriteAnthropicRouteFailure(r.error(), out);
    else WriteRouteFailure(r.error(), out);
    return;
  }
  out.status = 200;
  AddRouteHeaders(r->route, r->route.attempts.size(), out);
  if (r->route.cost_usd > 0) out.headers.emplace_back("x-detour-cost-usd", FormatUsd(r->route.cost_usd));
  // The OpenAI surface forwards a fast-path answer as the upstream sent it.
  if (surface == Surface::kAnthropic) out.body = MessageFromCompletion(ResponseJson(r->response)).dump();
  else out.body = r->response.raw.empty() ? r->response.body.dump() : std::move(r->response.raw);
}

void Gateway::Stream(ChatRequest req, const RouteOptions& opts, net::ServerResponse& out, Surface surface) {
  // The walk runs once this handler has returned, on the connection's fiber, so the
  // status line can wait for the first token (server/client_stream.h).
  out.deferred = [this, req = std::move(req), opts, surface, headers = out.headers](net::ResponseWriter& w) {
    auto encoder = surface == Surface::kAnthropic ? MakeAnthropicStreamEncoder() : MakeOpenAIStreamEncoder();
    FailureWriter failure = surface == Surface::kAnthropic ? WriteAnthropicRouteFailure : WriteRouteFailure;
    StreamToClient(router_, req, opts, *encoder, failure, headers, w);
  };
}

void Gateway::Models(const net::ServerRequest& req, net::ServerResponse& out) {
  if (!Admit(req, out, Surface::kOpenAI)) return;
  out.body = ModelsList(*router_.table()).dump();
}

void Gateway::Health(const net::ServerRequest& req, net::ServerResponse& out) {
  if (!Admit(req, out, Surface::kOpenAI)) return;
  Json health = HealthJson(*router_.table(), router_.store(), router_.clock().Now());
  if (metrics_) AddCacheReadTokens(health, metrics_->CacheReadTokens());
  out.body = health.dump();
}

void Gateway::StatusPage(const net::ServerRequest& req, net::ServerResponse& out) {
  if (!Admit(req, out, Surface::kPage)) return;
  if (board_ == nullptr) {
    out.status = 404;
    return OnHttpError(req, out);
  }
  out.content_type = "text/html; charset=utf-8";
  out.headers.emplace_back("Cache-Control", "no-store");
  // Everything the page needs is inline; nothing else may load or frame it.
  out.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                           "img-src data:; connect-src 'self'; frame-ancestors 'none'");
  out.body = std::string(StatusPageHtml());
}

void Gateway::StatusJson(const net::ServerRequest& req, net::ServerResponse& out) {
  if (!Admit(req, out, Surface::kPage)) return;
  if (board_ == nullptr) {
    out.status = 404;
    return OnHttpError(req, out);
  }
  out.headers.emplace_back("Cache-Control", "no-store");
  out.body = board_->Snapshot(*router_.table(), router_.store(), budgets_).dump();
}

void Gateway::MetricsPage(const net::ServerRequest& req, net::ServerResponse& out) {
  if (!Admit(req, out, Surface::kOpenAI)) return;
  if (metrics_ == nullptr) {
    out.status = 404;
    OnHttpError(req, out);
    return;
  }
  out.content_type = "text/plain; version=0.0.4; charset=utf-8";
  out.body = metrics_->Render();
}

}  // namespace detour
