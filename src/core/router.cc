#include "core/router.h"

#include "core/walk.h"

namespace detour {
namespace {

// The model name a request routes by: its own, else the default group.
std::string EffectiveModel(const RouteTable& t, const ChatRequest& req) {
  return req.model.empty() ? t.DefaultGroup() : req.model;
}

RouteFailure UnknownModel(const RouteTable& t, const std::string& model) {
  RouteFailure f;
  f.status = 404;
  f.unknown_model = true;
  f.suggestion = t.Suggest(model);
  std::string msg = "The model `" + model + "` does not exist in this detour config";
  if (!f.suggestion.empty()) msg += " (did you mean \"" + f.suggestion + "\"?)";
  f.error = MakeError(ErrorKind::kNotFound, msg, 404);
  f.error.code = "model_not_found";
  f.error.param = "model";
  return f;
}

// Streams: holds chunks back until the first content token (pre-commit), so a failed
// attempt leaks nothing; then commits and forwards. Also hides the usage chunk (and the
// "usage": null fields) from callers that did not ask for it (SPEC 8).
class CommitGate {
 public:
  CommitGate(const ChatRequest& req, StreamObserver& obs, Clock& clock, const CancelFlag* cancel)
      : req_(req), obs_(obs), clock_(clock), cancel_(cancel) {}

  // Per attempt: forget anything buffered from a failed attempt.
  void BeginAttempt(const Deployment& d, const RouteInfo& so_far) {
    pending_.clear();
    started_ = clock_.Now();
    route_ = so_far;
    route_.deployment = d.cfg.id;
    route_.group = d.cfg.model_name;
    first_token_.reset();
  }

  bool OnChunk(StreamChunk& c) {
    if (cancel_ && cancel_->load()) return false;
    if (!committed_) {
      if (!c.has_content) {
        pending_.push_back(std::move(c));
        return true;
      }
      first_token_ = std::chrono::duration_cast<Millis>(clock_.Now() - started_);
      if (!Commit()) return false;
    }
    return Emit(c);
  }

  // A stream that ended cleanly without any content token still has to reach the client.
  bool Finish() { return committed_ || Commit(); }

  bool committed() const { return committed_; }
  std::optional<Millis> first_token() const { return first_token_; }

 private:
  bool Commit() {
    committed_ = true;
    if (!obs_.OnCommit(route_)) return false;
    for (auto& p : pending_)
      if (!Emit(p)) return false;
    pending_.clear();
    return true;
  }

  bool Emit(StreamChunk& c) {
    if (!req_.client_wants_usage) {
      bool usage_only = c.usage && (!c.data.contains("choices") || c.data["choices"].empty());
      if (usage_only) return true;
      c.data.erase("usage");
    }
    return obs_.OnChunk(c);
  }

  const ChatRequest& req_;
  StreamObserver& obs_;
  Clock& clock_;
  const CancelFlag* cancel_;
  std::vector<StreamChunk> pending_;
  bool committed_ = false;
  TimePoint started_;
  RouteInfo route_;
  std::optional<Millis> first_token_;
};

}  // namespace

Router::Router(std::shared_ptr<const RouteTable> table, std::shared_ptr<RouterState> state,
               Clock& clock)
    : table_(std::move(table)), state_(std::move(state)), clock_(clock) {}

void Router::Reload(std::shared_ptr<const RouteTable> table) {
  std::lock_guard<std::mutex> lock(table_mu_);
  table_ = std::move(table);
}

std::shared_ptr<const RouteTable> Router::table() const { return Snapshot(); }

std::shared_ptr<const RouteTable> Router::Snapshot() const {
  std::lock_guard<std::mutex> lock(table_mu_);
  return table_;
}

Expected<CompletionResult, RouteFailure> Router::Complete(const ChatRequest& in,
                                                          const RouteOptions& opts) {
  auto table = Snapshot();
  ChatRequest req = in;
  req.model = EffectiveModel(*table, in);
  if (!table->Resolve(req.model)) return Fail(UnknownModel(*table, req.model));

  ChatResponse response;
  Walk walk(*table, req, clock_, opts);
  auto routed = walk.Run([&](const Deployment& d, const AttemptLimits& limits, const RouteInfo&) {
    AttemptOutcome out;
    auto r = d.provider->Complete(req, limits);
    if (!r.ok()) {
      out.error = std::move(r.error());
      return out;
    }
    out.ok = true;
    out.usage = r->usage;
    response = std::move(r.value());
    return out;
  });
  if (!routed.ok()) return Fail(std::move(routed.error()));
  return CompletionResult{std::move(response), std::move(routed.value())};
}

Expected<StreamResult, RouteFailure> Router::Stream(const ChatRequest& in, StreamObserver& observer,
                                                    const RouteOptions& opts) {
  auto table = Snapshot();
  ChatRequest req = in;
  req.model = EffectiveModel(*table, in);
  if (!table->Resolve(req.model)) return Fail(UnknownModel(*table, req.model));

  CommitGate gate(req, observer, clock_, opts.cancel);
  StreamEnd end;
  Walk walk(*table, req, clock_, opts);
  auto routed = walk.Run([&](const Deployment& d, const AttemptLimits& limits, const RouteInfo& so_far) {
    AttemptOutcome out;
    gate.BeginAttempt(d, so_far);
    auto r = d.provider->Stream(req, limits, [&](StreamChunk& c) { return gate.OnChunk(c); });
    if (r.ok() && !gate.Finish())
      r = Fail(MakeError(ErrorKind::kCanceled, "the client went away"));
    out.first_token = gate.first_token();
    out.committed = gate.committed();
    if (!r.ok()) {
      out.error = std::move(r.error());
      return out;
    }
    out.ok = true;
    out.usage = r->usage;
    end = std::move(r.value());
    return out;
  });
  if (!routed.ok()) return Fail(std::move(routed.error()));
  return StreamResult{std::move(end), std::move(routed.value())};
}

}  // namespace detour
