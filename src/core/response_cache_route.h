// The response cache (core/response_cache.h) as the Router uses it for one chat request:
// - CacheUse: the request's key and what its `x-detour-cache` directive allows (read and
//   store, store only, neither);
// - StreamRecorder: sits between the commit gate and the client's consumer of a streamed
//   walk, marks the route a cache miss and rebuilds the complete answer from what the
//   client received, so a stream that completed normally can be stored like a buffered
//   answer (only a text answer of one choice: tool calls and n > 1 are not rebuilt);
// - ReplayCached: a cached answer served to a streamed request, as chunks through the
//   same StreamConsumer a live walk uses (role, content in a few pieces, tool calls,
//   finish, and the usage chunk when the client asked), so the server's stream bridge
//   writes the same SSE (and `[DONE]`) as for a live answer.
// Per request, used on the request's thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/response_cache.h"
#include "core/router.h"

namespace detour {

class CacheUse {
 public:
  // `cache` null: the cache is off and every call is a no-op. `model` is the group (or
  // deployment id) the request routes to.
  CacheUse(ResponseCache* cache, const std::string& model, const ChatRequest& req);

  bool enabled() const { return cache_ != nullptr; }
  // The cached answer when the request may read the cache and one is live.
  std::shared_ptr<const CachedAnswer> Lookup() const;
  // Stores a successful answer (unless the request said no-store).
  void Store(const ChatResponse& response, const RouteInfo& route) const;
  // The route a hit reports: the deployment and group of the cached answer, no attempts.
  static RouteInfo HitRoute(const CachedAnswer& hit, const std::string& requested);
  // What a live answer's route says: kMiss when the cache is on.
  CacheStatus live_status() const { return enabled() ? CacheStatus::kMiss : CacheStatus::kOff; }

 private:
  ResponseCache* cache_ = nullptr;
  std::string key_;
  bool read_ = false;
  bool store_ = false;
};

class StreamRecorder final : public StreamConsumer {
 public:
  StreamRecorder(StreamConsumer& inner, CacheStatus status) : inner_(inner), status_(status) {}
  bool OnCommit(const RouteInfo& route) override;
  bool OnChunk(StreamChunk& c) override;
  // The complete answer the client received, as a chat.completion, when it can be
  // rebuilt (a single choice of text that reached its finish reason).
  std::optional<ChatResponse> Answer(const StreamEnd& end) const;

 private:
  StreamConsumer& inner_;
  CacheStatus status_;
  std::string text_;
  std::optional<std::string> finish_;
  Json id_, created_, model_;
  bool rebuildable_ = true;
};

// Serves `hit` as a stream to `consumer` (OnCommit with `route`, then the chunks). Fails
// (kCanceled, committed) when the consumer stops it.
Expected<StreamEnd, RouteFailure> ReplayCached(const CachedAnswer& hit, const ChatRequest& req,
                                               const RouteInfo& route, StreamConsumer& consumer);

}  // namespace detour
