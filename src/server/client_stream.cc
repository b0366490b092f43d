#include "server/client_stream.h"

#include "server/gateway.h"
#include "util/log.h"

namespace detour {
namespace {

// The router's stream callbacks -> the client's socket.
class ClientSink final : public StreamConsumer {
 public:
  ClientSink(net::ResponseWriter& w, StreamEncoder& encoder, const net::Headers& headers, CancelFlag& cancel)
      : w_(w), encoder_(encoder), headers_(headers), cancel_(cancel) {}

  bool OnCommit(const RouteInfo& route) override {
    committed_ = true;
    net::ServerResponse head;
    head.content_type = "text/event-stream";
    head.headers = headers_;
    head.headers.emplace_back("Cache-Control", "no-cache");
    // At commit the route lists the attempts before the one that produced the first token
    // (none at all for a cache hit).
    size_t attempts = route.cache == CacheStatus::kHit ? 0 : route.attempts.size() + 1;
    AddRouteHeaders(route, attempts, head);
    return Alive(w_.Begin(head));
  }
  bool OnChunk(StreamChunk& c) override {
    event_.clear();  // keeps its capacity: no allocation per event
    encoder_.AppendChunk(c, event_);
    return Alive(w_.Write(event_));
  }

  bool committed() const { return committed_; }

 private:
  // A write that failed means the client is gone: every wait of the walk stops too.
  bool Alive(bool ok) {
    if (!ok) cancel_.store(true);
    return ok;
  }

  net::ResponseWriter& w_;
  StreamEncoder& encoder_;
  const net::Headers& headers_;
  CancelFlag& cancel_;
  std::string event_;  // the event being written, reused
  bool committed_ = false;
};

RouteFailure InternalFailure() {
  RouteFailure f;
  f.status = 500;
  f.error = MakeError(ErrorKind::kServerError, "internal error while streaming", 500);
  return f;
}

}  // namespace

void StreamToClient(Router& router, const ChatRequest& req, RouteOptions opts, StreamEncoder& encoder,
                    FailureWriter write_failure, const net::Headers& headers, net::ResponseWriter& w) {
  CancelFlag cancel{false};
  opts.cancel = &cancel;
  ClientSink sink(w, encoder, headers, cancel);
  Expected<StreamResult, RouteFailure> r = Fail(InternalFailure());
  // An exception escaping the walk (a library throwing where nobody expected it) ends this
  // stream as a failure, not the process.
  try {
    r = router.Stream(req, sink, opts);
  } catch (const std::exception& e) {
    log::Error(std::string("stream walk failed: ") + e.what());
  }
  if (r.ok()) {
    if (!cancel.load()) w.Write(encoder.Done(r->end));
    return;
  }
  if (sink.committed()) {
    // The client already has tokens: the stream ends with the error event and no end
    // marker; a truncated answer must never look finished (SPEC 3.5).
    if (!cancel.load()) w.Write(encoder.Failed(r.error()));
    return;
  }
  net::ServerResponse out;
  out.headers = headers;
  write_failure(r.error(), out);
  w.Answer(out);
}

}  // namespace detour
