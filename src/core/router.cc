#include "core/router.h"

#include "core/commit_gate.h"
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
    gate.BeginAttempt(d, so_far, limits);
    auto r = d.provider->Stream(req, limits, [&](StreamChunk& c) { return gate.OnChunk(c); });
    if (r.ok() && !gate.Finish())
      r = Fail(MakeError(ErrorKind::kCanceled, "the client went away"));
    if (gate.diverged())  // not the client: this deployment could not repair the stream
      r = Fail(MakeError(ErrorKind::kServerError, "stream replay did not reproduce the text already sent"));
    out.first_token = gate.first_token();
    out.committed = gate.committed();
    out.replayable = gate.replayable();
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
