// Idle keep-alive connections, keyed by origin, TLS verification and the scheduler that
// owns them (a connection registered with one scheduler's epoll is only reused by fibers
// of that scheduler; ordinary threads share key -1). Most recently used first; a
// connection idle longer than `max_idle_age` is closed instead of reused, since servers
// drop idle connections after a while.
//
// Thread-safety: all methods are safe from any thread; the lock covers only the map.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/socket.h"
#include "net/url.h"

namespace detour::net {

class ConnPool {
 public:
  explicit ConnPool(size_t max_idle_per_key,
                    std::chrono::seconds max_idle_age = std::chrono::seconds(45))
      : max_idle_(max_idle_per_key), max_age_(max_idle_age) {}
  static std::string Key(int scheduler, const Url& url, bool tls_verify);
  // An idle connection for the key, or nullptr.
  std::unique_ptr<Socket> Acquire(const std::string& key);
  // Keeps the connection for reuse, or closes it when the key already keeps max_idle.
  void Release(const std::string& key, std::unique_ptr<Socket> conn);

 private:
  struct Idle {
    std::unique_ptr<Socket> conn;
    std::chrono::steady_clock::time_point since;
  };
  const size_t max_idle_;
  const std::chrono::seconds max_age_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<Idle>> idle_;
};

}  // namespace detour::net
