// Runs one streamed walk (Router::Stream) on its own fiber and hands its output to the
// connection's fiber. Why a second flow: the status line and x-detour-* headers must be
// decided at commit (SPEC 8), while the HTTP server writes them when the handler returns;
// so the handler waits here for commit (or for the walk to fail before it), then returns
// a chunked body that Pump() fills with the SSE bytes as the walk produces them.
//
// Ownership: shared by the walk fiber and the response body (shared_ptr). Thread-safe;
// the waits are fiber-aware, so neither side blocks its scheduler thread.
// The Router must outlive every bridge.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "core/router.h"
#include "net/http_server.h"
#include "server/stream_encoder.h"
#include "util/fiber.h"

namespace detour {

class StreamBridge : public std::enable_shared_from_this<StreamBridge> {
 public:
  // `encoder` writes the client's wire format (OpenAI or Anthropic SSE); `team` is the
  // caller's (SPEC 9) and `request_id` the id the client was given, both carried into the
  // request report.
  static std::shared_ptr<StreamBridge> Start(Router& router, ChatRequest req,
                                             std::unique_ptr<StreamEncoder> encoder,
                                             std::string team = "default", std::string request_id = "");

  struct CommitOutcome {
    bool committed = false;
    RouteInfo route;       // when committed: who produced the first token
    RouteFailure failure;  // when not: why the walk failed before any byte
  };
  // Blocks until the first token was committed or the walk ended without one.
  CommitOutcome WaitForCommit();

  // Writes SSE bytes until the stream ends: the encoder's end after success, its error
  // event after a failure. A failed write (client gone) cancels the walk.
  void Pump(net::BodyWriter& out);

  // Cancels the walk (the client went away, or the server is giving up).
  void Cancel() { cancel_.store(true); }

 private:
  class Observer;
  StreamBridge() = default;
  void Run(Router& router, ChatRequest req);
  Expected<StreamResult, RouteFailure> RunGuarded(Router& router, const ChatRequest& req,
                                                  StreamConsumer& obs);
  void Push(std::string bytes);

  std::mutex mu_;
  fiber::CondVar cv_;
  std::deque<std::string> out_;
  bool committed_ = false;
  bool ended_ = false;
  RouteInfo route_;  // as of the commit: the attempts before the one that committed
  RouteFailure failure_;
  CancelFlag cancel_{false};
  std::string team_ = "default";
  std::string request_id_;  // "": the router makes one
  std::unique_ptr<StreamEncoder> encoder_;  // used by the walk's fiber only
};

}  // namespace detour
