// Session affinity (SPEC 9 `session_affinity`): one conversation stays on one deployment
// while it is healthy, so the provider's prompt cache is reused. This file holds the
// pieces with no routing in them: the session key of a request and the bounded map of
// session -> deployment (an LRU with a TTL). The walk (core/walk_decide.cc) prefers the
// remembered deployment only among the candidates it would pick from anyway, so affinity
// never overrides a cooldown, an rpm/tpm limit or a failure in this request; the walk
// remembers whichever deployment answered, so a session that failed over stays on its
// new deployment.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "model/clock.h"
#include "model/types.h"

namespace detour {

// The conversation a request belongs to: `header` (x-detour-session), else the body's
// `user` field, else a hash of the system prompt and the first user message ("" when the
// request has neither: no affinity).
std::string SessionKey(const ChatRequest& req);

// session -> deployment id, at most `capacity` entries (least recently used first out),
// each forgotten `ttl` after it was last used. Thread-safe (one short mutex).
class SessionMap {
 public:
  SessionMap(size_t capacity, Millis ttl) : capacity_(capacity), ttl_(ttl) {}
  std::optional<std::string> Get(const std::string& session, TimePoint now);
  void Put(const std::string& session, const std::string& deployment, TimePoint now);
  size_t size() const;

 private:
  struct Entry {
    std::string session, deployment;
    TimePoint used;
  };
  const size_t capacity_;
  const Millis ttl_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace detour
