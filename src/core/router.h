// The one routing core (SPEC 3). Router::Complete / Router::Stream walk the chain of a
// request: group, then its fallbacks; pick a deployment by the strategy, attempt, record,
// then decide (return, retry, fall back). serve, chat, check and bench all route here.
//
// Thread-safety: a Router is shared by all requests and safe for concurrent calls. It
// holds an immutable RouteTable (swapped whole on reload), the StateStore (cooldowns,
// limits, latency; it outlives reloads), the Clock every decision reads, and the seed
// source of every random choice. Each request is reported to the observers
// (core/request_observer.h) once when it ends.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/attempt_log.h"
#include "core/hedge.h"
#include "core/route_table.h"
#include "core/request_observer.h"
#include "core/state_store.h"
#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"
#include "util/random.h"

namespace detour {

struct RouteOptions {
  RequestObserver* observer = nullptr;  // this request only (e.g. `chat -v`), besides the router's
  const CancelFlag* cancel = nullptr;   // the caller went away
  std::string team = "default";         // who asked (SPEC 9); carried into the report
  std::string request_id;               // empty: the router makes one (NewRequestId)
};

// Whether the response cache answered (SPEC 4.2 `x-detour-cache`); kOff: no cache.
enum class CacheStatus { kOff, kHit, kMiss };

// Which deployment answered, and how it got there.
struct RouteInfo {
  std::string deployment;  // id that answered
  std::string group;       // group that answered
  std::string requested;   // group the caller asked for
  std::vector<AttemptRecord> attempts;
  double cost_usd = 0;
  CacheStatus cache = CacheStatus::kOff;  // kHit: no attempts were made
};

struct CompletionResult {
  ChatResponse response;
  RouteInfo route;
};

// The walk failed. `status` is SPEC 3.2 step 6; `error` is the last (or defining) error;
// `retry_after_s` is set for an all-rate-limited walk.
struct RouteFailure {
  int status = 502;
  Error error;
  std::optional<int> retry_after_s;
  std::vector<AttemptRecord> attempts;
  bool committed = false;  // a stream had already forwarded tokens when it failed
  bool unknown_model = false;
  std::string suggestion;  // did-you-mean for an unknown model
};

class StreamConsumer {
 public:
  virtual ~StreamConsumer() = default;
  // The first content token arrived from `route.deployment`: the stream is committed.
  // `route.attempts` lists the failed attempts before this one (so this is attempt
  // attempts.size() + 1). Chunks buffered before it (the role chunk) follow through
  // OnChunk. Return false to cancel.
  virtual bool OnCommit(const RouteInfo& route) = 0;
  virtual bool OnChunk(StreamChunk& chunk) = 0;
};

struct EmbeddingResult {
  EmbeddingResponse response;
  RouteInfo route;
};

struct StreamResult {
  StreamEnd end;
  RouteInfo route;
};

class Router {
 public:
  // `seed` fixes every random choice (load balancing, backoff jitter) of this router.
  Router(std::shared_ptr<const RouteTable> table, std::shared_ptr<StateStore> store,
         Clock& clock = SystemClock(), uint64_t seed = RandomRootSeed());

  // Adds an observer of every request. Call before serving; `observer` must outlive the
  // router.
  void AddObserver(RequestObserver* observer);
  // "req_" + 16 hex digits, unique in practice. Ids are labels, never decisions, so they
  // come from their own seed source and leave the seeded routing choices untouched.
  std::string NewRequestId();

  Expected<CompletionResult, RouteFailure> Complete(const ChatRequest& req,
                                                    const RouteOptions& opts = {});
  Expected<StreamResult, RouteFailure> Stream(const ChatRequest& req, StreamConsumer& observer,
                                              const RouteOptions& opts = {});
  // POST /v1/embeddings: the same walk (retries, fallbacks, cooldowns) over
  // Provider::Embed. Deployments whose provider serves no embeddings are passed over.
  Expected<EmbeddingResult, RouteFailure> Embed(const EmbeddingRequest& req, const RouteOptions& opts = {});

  // Atomically replaces the table for new requests (SIGHUP). In-flight requests keep the
  // table they started with.
  void Reload(std::shared_ptr<const RouteTable> table);
  std::shared_ptr<const RouteTable> table() const;
  StateStore& store() { return *store_; }
  Clock& clock() { return clock_; }

 private:
  class Reporter;
  std::shared_ptr<const RouteTable> Snapshot() const;
  // The walk of a buffered (non-stream) operation: `call(deployment, limits)` makes one
  // attempt and returns the provider's Result<T> (T carries `usage`).
  template <class T, class Call>
  Expected<std::pair<T, RouteInfo>, RouteFailure> RunBuffered(std::shared_ptr<const RouteTable> table,
                                                              const std::string& requested,
                                                              const RequestOverrides& overrides,
                                                              const RouteOptions& opts, Call call,
                                                              int64_t prompt_estimate = 0,
                                                              const std::string& session = "");
  mutable std::mutex table_mu_;
  std::shared_ptr<const RouteTable> table_;
  std::shared_ptr<StateStore> store_;
  Clock& clock_;
  SeedSource seeds_;
  SeedSource request_ids_{RandomRootSeed()};
  std::vector<RequestObserver*> observers_;
  HedgeBook hedges_;  // per group: recent first-token times and the hedge budget
};

}  // namespace detour
