// Idle keep-alive connections per origin. One pooled httplib client is one connection
// and serves one exchange at a time: Acquire hands it out exclusively, Release returns
// it (or drops it when the origin already keeps max_idle). Clients are shared_ptr so the
// watchdog's cutting thread can keep one alive while it stops it.
//
// Thread-safety: Acquire/Release are safe from any thread; the lock covers only the
// map, never connecting, I/O or a client's destruction. Only src/net sees httplib.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/url.h"

namespace detour::net {

using ClientPtr = std::shared_ptr<httplib::ClientImpl>;

class ClientPool {
 public:
  explicit ClientPool(size_t max_idle_per_origin) : max_idle_(max_idle_per_origin) {}
  // An idle client for the origin (most recently used first) or a new, unconnected one.
  ClientPtr Acquire(const Url& url, bool tls_verify);
  // Keeps the client for reuse; drops it if the origin's idle list is full.
  void Release(const Url& url, bool tls_verify, ClientPtr client);
  size_t IdleCount(const Url& url, bool tls_verify);

 private:
  static std::string Key(const Url& url, bool tls_verify);
  static ClientPtr Create(const Url& url, bool tls_verify);
  size_t max_idle_;
  std::mutex mu_;
  std::map<std::string, std::vector<ClientPtr>> idle_;
};

}  // namespace detour::net
