// The exact-match response cache (SPEC 2 `[cache]`, 4.2 `x-detour-cache`): complete,
// successful chat answers keyed by the normalised request, kept for `ttl`, at most
// `max_entries` of them, the least recently used evicted first.
//
// The key (KeyOf) is the group the caller asked for plus the request body with every field
// that cannot change the answer removed (`model`, which the group replaces; `stream`,
// `stream_options`, `user`, and the detour-only fields), serialised canonically: object
// keys sorted (nlohmann::json keeps them sorted) and integral numbers written one way, so
// `{"a":1,"b":2.0}` and `{"b":2,"a":1}` are one key. Everything else (messages,
// temperature, top_p, max_tokens, tools, response_format, stop, seed, n, and any field
// detour does not know) is part of it: an unknown field is assumed to change the answer.
// The whole key is kept and compared, so two requests never share an entry by a hash
// collision.
//
// Time is the injected Clock's. Thread-safe: one mutex, held for bookkeeping only (a hit
// hands out a shared, immutable answer; nothing is copied under the lock).
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/state_store.h"
#include "model/clock.h"
#include "model/types.h"

namespace detour {

// A stored answer and who gave it.
struct CachedAnswer {
  ChatResponse response;   // the OpenAI chat.completion body as the client first got it
  std::string deployment;  // the deployment that answered
  std::string group;       // the group that answered
};

class ResponseCache {
 public:
  // `max_entries` 0 stores nothing. `clock` must outlive the cache. With `shared` (a store
  // whose backend shares cache entries, [state] backend = "redis"), a local miss asks it
  // (bounded, core/state_store.h SharedGet) and every Put also goes there, so an answer
  // stored by one instance is served by the others; it must outlive the cache.
  ResponseCache(Millis ttl, size_t max_entries, Clock& clock, StateStore* shared = nullptr);

  // The normalised key of a chat request to `group` (the group or deployment id asked
  // for). `body` is the neutral (OpenAI-shaped) request body.
  static std::string KeyOf(const std::string& group, const Json& body);

  // The live answer under `key` (and it becomes the most recently used), else null. An
  // entry past its ttl is dropped here.
  std::shared_ptr<const CachedAnswer> Get(const std::string& key);
  // Stores (or replaces) the answer under `key`, evicting the least recently used entry
  // when full. Its ttl starts now.
  void Put(const std::string& key, CachedAnswer answer);

  size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedAnswer> answer;
    TimePoint expires;
  };
  using Lru = std::list<Entry>;  // front: most recently used
  void Erase(Lru::iterator it);
  void Insert(const std::string& key, std::shared_ptr<const CachedAnswer> answer, TimePoint expires);
  std::shared_ptr<const CachedAnswer> GetShared(const std::string& key);

  const Millis ttl_;
  const size_t max_entries_;
  Clock& clock_;
  StateStore* shared_;
  mutable std::mutex mu_;
  Lru lru_;
  // Views of the keys held by lru_'s entries (list nodes never move).
  std::unordered_map<std::string_view, Lru::iterator> index_;
};

}  // namespace detour
