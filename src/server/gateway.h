// The HTTP API of `serve` (SPEC 4) over the routing core, in OpenAI's shape and, on
// POST /v1/messages, Anthropic's: installs the
// routes on a net::HttpServer and turns requests into walks and walks into responses.
// Holds no per-request state; api keys can be replaced on reload (SIGHUP).
// Thread-safe: handlers run concurrently on the server's connection threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/router.h"
#include "net/http_server.h"
#include "server/budget.h"
#include "server/status_board.h"
#include "server/metrics.h"

namespace detour {

// The x-detour-deployment, -model-group, -attempts (every upstream attempt so far, the
// answering one included) and -cache headers of an answer.
void AddRouteHeaders(const RouteInfo& route, size_t attempts, net::ServerResponse& out);

class Gateway {
 public:
  Gateway(Router& router, const ServerConfig& cfg);

  void Install(net::HttpServer& http);
  // Answers what no route matched, and 413/400 found before routing.
  void OnHttpError(const net::ServerRequest& req, net::ServerResponse& out);
  // New client keys (and their teams) for requests that start from now on.
  void SetClients(const ServerConfig& cfg);
  // Team budgets to enforce before routing (SPEC 9); nullptr = none. Must outlive this.
  void SetBudgets(const Budgets* budgets) { budgets_ = budgets; }
  // The status page's data (GET /ui, /ui/status.json); nullptr = those paths answer 404.
  void SetStatusBoard(const StatusBoard* board) { board_ = board; }
  // What GET /metrics renders; nullptr = 404. Must outlive this.
  void SetMetrics(const Metrics* metrics) { metrics_ = metrics; }

 private:
  // The wire format a route answers in: OpenAI's or Anthropic's; kPage: the status page,
  // which a browser opens with the key as a Basic-auth password.
  enum class Surface { kOpenAI, kAnthropic, kPage };

  struct Clients {
    std::vector<std::string> keys;
    std::vector<std::string> teams;  // parallel to keys
  };
  static std::shared_ptr<const Clients> ClientsOf(const ServerConfig& cfg);

  // The caller's team when the request may proceed (SPEC 6, 8, 9): the presented key's
  // team; with no keys configured the `x-detour-team` header, else "default". On the
  // Anthropic surface `x-api-key: KEY` is accepted too. nullopt: the error is written.
  std::optional<std::string> Admit(const net::ServerRequest& req, net::ServerResponse& out,
                                   Surface surface) const;
  // Admit, then the team's budget: over it, a 429 budget_exceeded is written (no upstream
  // call) and nullopt returned.
  std::optional<std::string> AdmitWithinBudget(const net::ServerRequest& req, net::ServerResponse& out,
                                               Surface surface) const;
  void ChatCompletions(const net::ServerRequest& req, net::ServerResponse& out);
  void Messages(const net::ServerRequest& req, net::ServerResponse& out);
  void Embeddings(const net::ServerRequest& req, net::ServerResponse& out);
  void Complete(ChatRequest req, const RouteOptions& opts, net::ServerResponse& out, Surface surface);
  void Stream(ChatRequest req, const RouteOptions& opts, net::ServerResponse& out, Surface surface);
  void Models(const net::ServerRequest& req, net::ServerResponse& out);
  void Health(const net::ServerRequest& req, net::ServerResponse& out);
  void StatusPage(const net::ServerRequest& req, net::ServerResponse& out);
  void StatusJson(const net::ServerRequest& req, net::ServerResponse& out);
  void MetricsPage(const net::ServerRequest& req, net::ServerResponse& out);

  Router& router_;
  size_t max_body_;
  const Budgets* budgets_ = nullptr;
  const StatusBoard* board_ = nullptr;
  const Metrics* metrics_ = nullptr;
  mutable std::mutex keys_mu_;
  std::shared_ptr<const Clients> clients_;
};

}  // namespace detour
