// The HTTP API of `serve` (SPEC 4) over the routing core, in OpenAI's shape and, on
// POST /v1/messages, Anthropic's: installs the
// routes on a net::HttpServer and turns requests into walks and walks into responses.
// Holds no per-request state; api keys can be replaced on reload (SIGHUP).
// Thread-safe: handlers run concurrently on the server's connection threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/router.h"
#include "net/http_server.h"

namespace detour {

class Gateway {
 public:
  Gateway(Router& router, const ServerConfig& cfg);

  void Install(net::HttpServer& http);
  // Answers what no route matched, and 413/400 found before routing.
  void OnHttpError(const net::ServerRequest& req, net::ServerResponse& out);
  // New client keys for requests that start from now on.
  void SetApiKeys(std::vector<std::string> keys);

 private:
  // The wire format a route answers in: OpenAI's or Anthropic's.
  enum class Surface { kOpenAI, kAnthropic };

  // `x_api_key`: also accept `x-api-key: KEY` (the Anthropic surface, SPEC 8).
  bool Authorized(const net::ServerRequest& req, net::ServerResponse& out, Surface surface) const;
  void ChatCompletions(const net::ServerRequest& req, net::ServerResponse& out);
  void Messages(const net::ServerRequest& req, net::ServerResponse& out);
  void Embeddings(const net::ServerRequest& req, net::ServerResponse& out);
  void Complete(ChatRequest req, net::ServerResponse& out, Surface surface);
  void Stream(ChatRequest req, net::ServerResponse& out, Surface surface);
  void Models(const net::ServerRequest& req, net::ServerResponse& out);
  void Health(const net::ServerRequest& req, net::ServerResponse& out);

  Router& router_;
  size_t max_body_;
  mutable std::mutex keys_mu_;
  std::shared_ptr<const std::vector<std::string>> keys_;
};

}  // namespace detour
