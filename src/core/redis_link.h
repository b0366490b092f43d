// The connection side of the Redis state store (core/redis_state_store.h), apart from
// what it stores. Three ways to reach Redis, each with its own connection(s):
//
//   Call    the request path: one pipelined round trip on a pooled connection of the
//           caller's fiber scheduler (a fiber parks, its thread runs other fibers), bounded
//           by `bound` (SPEC 9: 20 ms). Not attempted while the link is down.
//   Post    fire-and-forget writes (failures, tokens, spend, cache entries): queued for the
//           worker thread, which pipelines everything queued into one write, and also runs
//           the periodic refresh batch every `refresh`.
//   pub/sub a subscriber thread on `channel`; each message goes to on_message.
//
// Up/down: the worker connects (with backoff, 100 ms doubling to 2 s); a broken connection
// anywhere, or 3 request-path round trips in a row over the bound (Redis too slow), marks
// the link down until the worker's next exchange succeeds. Each change is logged once,
// without the password. While down, Call returns nullopt at once, so a request never
// waits on a Redis that is known to be gone. When the link comes up, one connection per
// fiber scheduler is opened in the background, so requests rarely connect themselves.
//
// Thread-safety: every public method may be called from any thread or fiber.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "model/clock.h"
#include "net/redis_conn.h"

namespace detour {

class RedisLink {
 public:
  struct Options {
    net::RedisEndpoint endpoint;
    std::string channel;  // pub/sub channel of cooldown changes
    Millis bound{20};
    Millis refresh{200};
  };
  struct Hooks {
    std::function<void(const std::string&)> on_message;
    // The periodic batch: encoded commands and how many (0: nothing to refresh).
    std::function<size_t(std::string*)> build_refresh;
    std::function<void(const std::vector<net::resp::Value>&)> apply_refresh;
  };
  using OnReply = std::function<void(const net::resp::Value&)>;

  RedisLink(Options o, Clock& clock, Hooks hooks);
  ~RedisLink();  // stops and joins the threads
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  bool Up() const { return up_.load(std::memory_order_relaxed); }
  std::optional<std::vector<net::resp::Value>> Call(const std::string& commands, size_t count);
  void Post(std::string command, OnReply on_reply = nullptr);

 private:
  struct Pending {
    std::string command;
    OnReply on_reply;
  };
  void WorkerLoop();
  void SubscriberLoop();
  bool Exchange(std::unique_ptr<net::RedisConn>& conn, const std::string& batch, size_t count,
                std::vector<net::resp::Value>* replies);
  void SetUp();
  void Prewarm();
  void SetDown(const std::string& why);
  fiber::TimePoint SteadyIn(Millis d) const;
  void Backoff(Millis* delay);

  const Options o_;
  Clock& clock_;
  const Hooks hooks_;
  std::atomic<bool> up_{false};
  CancelFlag stop_{false};  // set by the destructor
  std::atomic<uint64_t> generation_{0};  // bumped when going down: pooled connections retire
  std::atomic<int> slow_{0};             // request-path round trips over the bound in a row

  std::mutex log_mu_;
  bool logged_down_ = false;

  std::mutex mu_;  // the queue
  std::condition_variable cv_;
  std::deque<Pending> queue_;

  // Idle request-path connections by fiber scheduler (-1: threads). Shared with the
  // prewarm fibers, which may finish connecting after the link is gone.
  struct Pooled {
    std::unique_ptr<net::RedisConn> conn;
    uint64_t generation;
  };
  struct PoolState {
    std::mutex mu;
    bool alive = true;
    std::unordered_map<int, std::vector<Pooled>> idle;
    void Put(int sched, std::unique_ptr<net::RedisConn> conn, uint64_t gen);
  };
  std::shared_ptr<PoolState> pool_ = std::make_shared<PoolState>();

  std::thread worker_, subscriber_;
};

}  // namespace detour
