#include "core/router.h"

#include "core/commit_gate.h"
#include "core/context_window.h"
#include "core/session_affinity.h"
#include "core/response_cache_route.h"
#include "core/held_stream.h"
#include "core/walk.h"

namespace detour {
namespace {

// The session-affinity key of a chat request (SPEC 9), scoped by the group it asks for;
// "" when affinity is off or the request names no conversation.
std::string AffinityKey(const RouteTable& t, const ChatRequest& req, const std::string& model) {
  if (!t.config().router.session_affinity) return "";
  std::string session = SessionKey(req);
  return session.empty() ? "" : model + "\n" + session;
}

// The pre-flight estimate of a request's prompt tokens; 0 (no check) when no deployment
// has a context window, so such configs pay nothing for it per request.
int64_t PromptEstimate(const RouteTable& t, const ChatRequest& req) {
  return t.checks_context_window() ? EstimatePromptTokens(RequestJson(req)) : 0;
}

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

// Builds one request's RequestReport and hands it to every observer when it ends.
class Router::Reporter {
 public:
  Reporter(Router& router, const RouteOptions& opts, const std::string& requested, bool stream)
      : router_(router), opts_(opts), started_(router.clock_.Now()) {
    report_.requested = requested;
    report_.stream = stream;
    report_.team = opts.team;
    report_.id = opts.request_id.empty() ? router.NewRequestId() : opts.request_id;
    report_.started = router.clock_.WallNow();
  }

  void Succeeded(const RouteInfo& route, const Usage& usage) {
    report_.ok = true;
    report_.status = 200;
    report_.deployment = route.deployment;
    report_.group = route.group;
    report_.attempts = route.attempts;
    report_.usage = usage;
    report_.cost_usd = route.cost_usd;
    Send();
  }

  // Answered from the response cache: no attempt, nothing paid upstream, so no usage
  // and no cost (the client still sees the cached answer's usage in its body).
  void CacheHit(const CachedAnswer& hit) {
    report_.ok = true;
    report_.status = 200;
    report_.cache_hit = true;
    report_.deployment = hit.deployment;
    report_.group = hit.group;
    if (report_.stream) report_.first_token = Millis(0);
    Send();
  }

  void Failed(const RouteFailure& f) {
    report_.status = f.committed ? 200 : f.status;
    report_.committed_failure = f.committed;
    report_.attempts = f.attempts;
    report_.error = f.error;
    Send();
  }

  void StreamFacts(const CommitGate& gate, bool ok) {
    if (gate.committed_at())
      report_.first_token = std::chrono::duration_cast<Millis>(*gate.committed_at() - started_);
    report_.replay.tried = gate.replays_tried();
    report_.replay.held = ok && gate.replays_tried() > 0;
  }

 private:
  void Send() {
    report_.total = std::chrono::duration_cast<Millis>(router_.clock_.Now() - started_);
    if (opts_.observer) opts_.observer->OnRequestEnd(report_);
    for (RequestObserver* o : router_.observers_) o->OnRequestEnd(report_);
  }

  Router& router_;
  const RouteOptions& opts_;
  TimePoint started_;
  RequestReport report_;
};

Router::Router(std::shared_ptr<const RouteTable> table, std::shared_ptr<StateStore> store,
               Clock& clock, uint64_t seed)
    : table_(std::move(table)), store_(std::move(store)), clock_(clock), seeds_(seed) {}

void Router::AddObserver(RequestObserver* observer) { observers_.push_back(observer); }

std::string Router::NewRequestId() {
  // "req_" + 16 hex digits, written by hand: one per request, and snprintf is not cheap.
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = request_ids_.Next();
  std::string id = "req_0000000000000000";
  for (size_t i = id.size(); v != 0; v >>= 4) id[--i] = kHex[v & 15];
  return id;
}

void Router::Reload(std::shared_ptr<const RouteTable> table) {
  std::lock_guard<std::mutex> lock(table_mu_);
  table_ = std::move(table);
}

std::shared_ptr<const RouteTable> Router::table() const { return Snapshot(); }

std::shared_ptr<const RouteTable> Router::Snapshot() const {
  std::lock_guard<std::mutex> lock(table_mu_);
  return table_;
}

template <class T, class Call>
Expected<std::pair<T, RouteInfo>, RouteFailure> Router::RunBuffered(std::shared_ptr<const RouteTable> table,
                                                                    const std::string& requested,
                                                                    const RequestOverrides& overrides,
                                                                    const RouteOptions& opts, Call call,
                                                                    int64_t prompt_estimate,
                                                                    const std::string& session) {
  std::string model = requested.empty() ? table->DefaultGroup() : requested;
  Reporter reporter(*this, opts, model, /*stream=*/false);
  if (!table->Resolve(model)) {
    RouteFailure f = UnknownModel(*table, model);
    reporter.Failed(f);
    return Fail(std::move(f));
  }
  T response;
  Walk walk(*table, {model, overrides, false, prompt_estimate, session, &hedges_}, *store_, clock_, seeds_.Next(), opts, observers_);
  auto routed = walk.Run([&](const Deployment& d, const AttemptLimits& limits, const RouteInfo&, RaceTicket* race) {
    AttemptOutcome out;
    auto r = call(d, limits);
    if (!r.ok()) {
      out.error = std::move(r.error());
      return out;
    }
    if (race && !race->ClaimWin()) {  // a hedge answered first: this answer is dropped
      out.error = MakeError(ErrorKind::kCanceled, "the other attempt of the hedge answered first");
      return out;
    }
    out.ok = true;
    out.usage = r->usage;
    response = std::move(r.value());
    return out;
  });
  if (!routed.ok()) {
    reporter.Failed(routed.error());
    return Fail(std::move(routed.error()));
  }
  reporter.Succeeded(routed.value(), response.usage);
  return std::make_pair(std::move(response), std::move(routed.value()));
}

Expected<CompletionResult, RouteFailure> Router::Complete(const ChatRequest& req, const RouteOptions& opts) {
  auto table = Snapshot();
  std::string model = EffectiveModel(*table, req);
  // Only an answer this table's walk gave is in its cache, so a hit needs no Resolve.
  CacheUse cache(table->cache(), model, req);
  if (auto hit = cache.Lookup()) {
    Reporter(*this, opts, model, /*stream=*/false).CacheHit(*hit);
    return CompletionResult{hit->response, CacheUse::HitRoute(*hit, model)};
  }
  // Providers write their deployment's model into the upstream body; req.model only routes.
  auto r = RunBuffered<ChatResponse>(table, req.model, req.overrides, opts,
                                     [&](const Deployment& d, const AttemptLimits& l) {
                                       return d.provider->Complete(req, l);
                                     },
                                     PromptEstimate(*table, req), AffinityKey(*table, req, model));
  if (!r.ok()) return Fail(std::move(r.error()));
  r->second.cache = cache.live_status();
  cache.Store(r->first, r->second);
  return CompletionResult{std::move(r->first), std::move(r->second)};
}

Expected<EmbeddingResult, RouteFailure> Router::Embed(const EmbeddingRequest& req, const RouteOptions& opts) {
  auto r = RunBuffered<EmbeddingResponse>(Snapshot(), req.model, req.overrides, opts, [&](const Deployment& d, const AttemptLimits& l) {
    return d.provider->Embed(req, l);
  });
  if (!r.ok()) return Fail(std::move(r.error()));
  return EmbeddingResult{std::move(r->first), std::move(r->second)};
}

Expected<StreamResult, RouteFailure> Router::Stream(const ChatRequest& in, StreamConsumer& consumer,
                                                    const RouteOptions& opts) {
  auto table = Snapshot();
  ChatRequest req = in;
  req.model = EffectiveModel(*table, in);
  Reporter reporter(*this, opts, req.model, /*stream=*/true);
  CacheUse cache(table->cache(), req.model, req);
  if (auto hit = cache.Lookup()) {
    RouteInfo route = CacheUse::HitRoute(*hit, req.model);
    auto end = ReplayCached(*hit, req, route, consumer);
    if (!end.ok()) {
      reporter.Failed(end.error());
      return Fail(std::move(end.error()));
    }
    reporter.CacheHit(*hit);
    return StreamResult{std::move(end.value()), std::move(route)};
  }
  if (!table->Resolve(req.model)) {
    RouteFailure f = UnknownModel(*table, req.model);
    reporter.Failed(f);
    return Fail(std::move(f));
  }

  // The recorder marks the route a cache miss and keeps the answer for the cache.
  StreamRecorder recorder(consumer, cache.live_status());
  CommitGate gate(req, recorder, clock_, opts.cancel);
  StreamEnd end;
  Walk walk(*table, {req.model, req.overrides, true, PromptEstimate(*table, req), AffinityKey(*table, req, req.model), &hedges_}, *store_, clock_, seeds_.Next(), opts, observers_);
  auto routed = walk.Run([&](const Deployment& d, const AttemptLimits& limits, const RouteInfo& so_far,
                              RaceTicket* race) {
    AttemptOutcome out;
    // A racing attempt (core/hedge.h) holds its chunks until its first token wins the
    // race; only the winner touches the gate, so the gate stays single-writer.
    HeldStream held(gate, d, so_far, limits, race, clock_);
    auto r = d.provider->Stream(req, limits, [&](StreamChunk& c) { return held.OnChunk(c); });
    if (r.ok() && !held.Claim()) r = Fail(MakeError(ErrorKind::kCanceled, "the other attempt of the hedge answered first"));
    if (!held.live()) {  // raced and never won: it sent nothing to the client
      out.error = r.ok() ? MakeError(ErrorKind::kCanceled, "lost the hedge") : std::move(r.error());
      return out;
    }
    if (r.ok() && !gate.Finish())
      r = Fail(MakeError(ErrorKind::kCanceled, "the client went away"));
    if (gate.diverged())  // not the client: this deployment could not repair the stream
      r = Fail(MakeError(ErrorKind::kServerError, "stream replay did not reproduce the text already sent"));
    out.first_token = race ? held.first_token() : gate.first_token();
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
  reporter.StreamFacts(gate, routed.ok());
  if (!routed.ok()) {
    reporter.Failed(routed.error());
    return Fail(std::move(routed.error()));
  }
  reporter.Succeeded(routed.value(), end.usage);
  routed->cache = cache.live_status();
  if (auto answer = recorder.Answer(end)) cache.Store(*answer, routed.value());
  return StreamResult{std::move(end), std::move(routed.value())};
}

}  // namespace detour
