#include "net/conn_pool.h"

#include "model/clock.h"

namespace detour::net {

std::string ConnPool::Key(int scheduler, const Url& url, bool tls_verify) {
  std::string key = std::to_string(scheduler);
  key += ' ';
  key += url.Origin();
  if (!tls_verify) key += " noverify";
  return key;
}

std::unique_ptr<Socket> ConnPool::Acquire(const std::string& key) {
  std::vector<std::unique_ptr<Socket>> expired;  // closed outside the lock
  std::unique_ptr<Socket> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    auto oldest_ok = SystemClock().Now() - max_age_;
    while (!list.empty() && !out) {
      Idle idle = std::move(list.back());
      list.pop_back();
      if (idle.since < oldest_ok) expired.push_back(std::move(idle.conn));
      else out = std::move(idle.conn);
    }
  }
  // Checked outside the lock; a dead one is dropped and the next tried.
  if (out && !out->IdleAlive()) return Acquire(key);
  return out;
}

void ConnPool::Release(const std::string& key, std::unique_ptr<Socket> conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& list = idle_[key];
    if (list.size() < max_idle_) {
      list.push_back({std::move(conn), SystemClock().Now()});
      return;
    }
  }
  conn.reset();  // full: closed outside the lock
}

}  // namespace detour::net
