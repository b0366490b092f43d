#include "server/stream_bridge.h"

#include "server/error_response.h"
#include "util/log.h"

namespace detour {

// Turns the router's callbacks into SSE bytes on the bridge's queue.
class StreamBridge::Observer : public StreamConsumer {
 public:
  explicit Observer(StreamBridge& b) : b_(b) {}
  bool OnCommit(const RouteInfo& route) override {
    std::lock_guard<std::mutex> lock(b_.mu_);
    b_.route_ = route;
    b_.committed_ = true;
    b_.cv_.NotifyAll();
    return !b_.cancel_.load();
  }
  bool OnChunk(StreamChunk& c) override {
    if (b_.cancel_.load()) return false;
    b_.Push(b_.encoder_->Chunk(c));
    return true;
  }

 private:
  StreamBridge& b_;
};

std::shared_ptr<StreamBridge> StreamBridge::Start(Router& router, ChatRequest req,
                                                 std::unique_ptr<StreamEncoder> encoder,
                                                 std::string team, std::string request_id) {
  std::shared_ptr<StreamBridge> b(new StreamBridge());
  b->encoder_ = std::move(encoder);
  b->team_ = std::move(team);
  b->request_id_ = std::move(request_id);
  fiber::Spawn([b, &router, req = std::move(req)]() mutable { b->Run(router, std::move(req)); });
  return b;
}

// The walk runs on a fiber of its own: an exception escaping it (a library throwing where
// nobody expected it) must end this stream as a failure, not the process.
Expected<StreamResult, RouteFailure> StreamBridge::RunGuarded(Router& router, const ChatRequest& req,
                                              StreamConsumer& obs) {
  try {
    RouteOptions opts;
    opts.cancel = &cancel_;
    opts.team = team_;
    opts.request_id = request_id_;
    return router.Stream(req, obs, opts);
  } catch (const std::exception& e) {
    log::Error(std::string("stream walk failed: ") + e.what());
    RouteFailure f;
    f.status = 500;
    f.error = MakeError(ErrorKind::kServerError, "internal error while streaming", 500);
    std::lock_guard<std::mutex> lock(mu_);
    f.committed = committed_;
    return Fail(std::move(f));
  }
}

void StreamBridge::Run(Router& router, ChatRequest req) {
  Observer obs(*this);
  auto r = RunGuarded(router, req, obs);
  std::string last = r.ok() ? encoder_->Done(r->end) : "";
  std::lock_guard<std::mutex> lock(mu_);
  if (r.ok()) {
    out_.push_back(std::move(last));
  } else {
    failure_ = std::move(r.error());
    // Committed: the client already has tokens, so the stream ends with the error event
    // and no end marker; a truncated answer must never look finished (SPEC 3.5).
    if (committed_) out_.push_back(encoder_->Failed(failure_));
  }
  ended_ = true;
  cv_.NotifyAll();
}

void StreamBridge::Push(std::string bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  out_.push_back(std::move(bytes));
  cv_.NotifyAll();
}

StreamBridge::CommitOutcome StreamBridge::WaitForCommit() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.Wait(lock, [&] { return committed_ || ended_; });
  CommitOutcome o;
  o.committed = committed_;
  if (committed_) o.route = route_;
  else o.failure = failure_;
  return o;
}

void StreamBridge::Pump(net::BodyWriter& out) {
  std::string batch;
  for (;;) {
    bool ended;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.Wait(lock, [&] { return ended_ || !out_.empty(); });
      batch.clear();
      for (auto& s : out_) batch += s;  // one write for whatever piled up
      out_.clear();
      ended = ended_;
    }
    if (!out.Write(batch)) {
      Cancel();
      return;
    }
    if (ended) return;
  }
}

}  // namespace detour
