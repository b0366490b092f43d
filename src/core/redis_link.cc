#include "core/redis_link.h"

#include "util/fiber.h"
#include "util/log.h"

namespace detour {
namespace {

constexpr Millis kFirstBackoff{100};
constexpr Millis kMaxBackoff{2000};
constexpr Millis kWorkerDeadline{1000};  // the worker's round trips: off the request path
constexpr size_t kMaxQueue = 10000;      // writes kept while Redis is away, oldest dropped
constexpr size_t kMaxBatch = 512;
constexpr size_t kMaxIdlePerScheduler = 8;

}  // namespace

RedisLink::RedisLink(Options o, Clock& clock, Hooks hooks)
    : o_(std::move(o)), clock_(clock), hooks_(std::move(hooks)) {
  worker_ = std::thread([this] { WorkerLoop(); });
  subscriber_ = std::thread([this] { SubscriberLoop(); });
}

RedisLink::~RedisLink() {
  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    pool_->alive = false;  // prewarm fibers still connecting drop what they open
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
  subscriber_.join();
}

fiber::TimePoint RedisLink::SteadyIn(Millis d) const { return clock_.ToSteady(clock_.Now() + d); }

void RedisLink::Backoff(Millis* delay) {
  clock_.SleepUntil(clock_.Now() + *delay, &stop_);
  *delay = std::min(*delay * 2, kMaxBackoff);
}

void RedisLink::SetUp() {
  if (up_.exchange(true)) return;
  slow_ = 0;
  Prewarm();
  std::lock_guard<std::mutex> lock(log_mu_);
  if (logged_down_) log::Info("state: redis at " + o_.endpoint.Name() + " is back; sharing state again");
  else log::Info("state: connected to redis at " + o_.endpoint.Name());
  logged_down_ = false;
}

void RedisLink::SetDown(const std::string& why) {
  bool was_up = up_.exchange(false);
  generation_++;
  std::lock_guard<std::mutex> lock(log_mu_);
  if (logged_down_ || (!was_up && why.empty())) return;
  logged_down_ = true;
  log::Warn("state: redis " + (why.empty() ? o_.endpoint.Name() + " did not answer in time" : why) +
            "; routing on local state (degraded) and reconnecting");
}

void RedisLink::PoolState::Put(int sched, std::unique_ptr<net::RedisConn> conn, uint64_t gen) {
  std::unique_lock<std::mutex> lock(mu);
  auto& list = idle[sched];
  if (!alive || list.size() >= kMaxIdlePerScheduler) return;  // `conn` closes
  list.push_back({std::move(conn), gen});
}

void RedisLink::Prewarm() {
  // A fiber's connection must be opened on its own scheduler: one fiber on each.
  // (The fiber runtime starts here if nothing started it; `chat` then has idle threads.)
  std::shared_ptr<PoolState> pool = pool_;
  const uint64_t gen = generation_.load();
  const fiber::TimePoint until = SteadyIn(kWorkerDeadline);
  for (size_t i = 0; i < fiber::SchedulerCount(); ++i) {
    fiber::SpawnBalanced([pool, gen, until, ep = o_.endpoint] {
      auto opened = net::RedisConn::Open(ep, until);
      if (opened.ok()) pool->Put(fiber::CurrentSchedulerIndex(), std::move(opened.value()), gen);
    });
  }
}

std::optional<std::vector<net::resp::Value>> RedisLink::Call(const std::string& commands, size_t count) {
  if (!Up()) return std::nullopt;
  const int sched = fiber::CurrentSchedulerIndex();
  const uint64_t gen = generation_.load();
  std::unique_ptr<net::RedisConn> conn;
  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    auto& idle = pool_->idle[sched];
    while (!idle.empty() && !conn) {
      Pooled p = std::move(idle.back());
      idle.pop_back();
      if (p.generation == gen) conn = std::move(p.conn);
      // else: a connection from before an outage; it is closed here, on its scheduler.
    }
  }
  fiber::TimePoint until = SteadyIn(o_.bound);
  if (!conn) {
    auto opened = net::RedisConn::Open(o_.endpoint, until);
    if (!opened.ok()) {
      SetDown(opened.error());
      return std::nullopt;
    }
    conn = std::move(opened.value());
  }
  std::vector<net::resp::Value> replies;
  net::IoStatus st = conn->Exchange(commands, count, &replies, until);
  if (st != net::IoStatus::kOk) {
    // The connection's state is unknown, so it closes. One slow answer on a busy host is
    // not an outage; three in a row are.
    if (st != net::IoStatus::kTimeout || ++slow_ >= 3) SetDown(st == net::IoStatus::kTimeout ? "" : o_.endpoint.Name() + " closed the connection");
    return std::nullopt;
  }
  slow_ = 0;
  pool_->Put(sched, std::move(conn), gen);
  return replies;
}

void RedisLink::Post(std::string command, OnReply on_reply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= kMaxQueue) queue_.pop_front();
    queue_.push_back({std::move(command), std::move(on_reply)});
  }
  cv_.notify_one();
}

bool RedisLink::Exchange(std::unique_ptr<net::RedisConn>& conn, const std::string& batch, size_t count,
                         std::vector<net::resp::Value>* replies) {
  if (conn->Exchange(batch, count, replies, SteadyIn(kWorkerDeadline)) == net::IoStatus::kOk) return true;
  conn.reset();
  SetDown(o_.endpoint.Name() + " stopped answering");
  return false;
}

void RedisLink::WorkerLoop() {
  std::unique_ptr<net::RedisConn> conn;
  Millis delay = kFirstBackoff;
  TimePoint next_refresh = clock_.Now();
  while (!stop_) {
    if (!conn) {
      auto opened = net::RedisConn::Open(o_.endpoint, SteadyIn(kWorkerDeadline));
      if (!opened.ok()) {
        SetDown(opened.error());
        Backoff(&delay);
        continue;
      }
      conn = std::move(opened.value());
      delay = kFirstBackoff;
      next_refresh = clock_.Now();  // resynchronise at once after a reconnect
    }
    std::vector<Pending> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, clock_.ToSteady(next_refresh),
                     [&] { return stop_ || !queue_.empty(); });
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (stop_) break;
    std::string bytes;
    for (const auto& p : batch) bytes += p.command;
    size_t refresh_count = 0;
    const bool refresh = clock_.Now() >= next_refresh;
    if (refresh) {
      refresh_count = hooks_.build_refresh ? hooks_.build_refresh(&bytes) : 0;
      bytes += net::resp::Command({"PING"});  // a refresh always proves the link
      ++refresh_count;
      next_refresh = clock_.Now() + o_.refresh;
    }
    std::vector<net::resp::Value> replies;
    if (!Exchange(conn, bytes, batch.size() + refresh_count, &replies)) {
      // Writes in flight are lost: the state they carried is local until the next change.
      continue;
    }
    for (size_t i = 0; i < batch.size(); ++i)
      if (batch[i].on_reply) batch[i].on_reply(replies[i]);
    if (refresh) {
      std::vector<net::resp::Value> rest(replies.begin() + static_cast<long>(batch.size()), replies.end() - 1);
      if (hooks_.apply_refresh) hooks_.apply_refresh(rest);
      SetUp();
    }
  }
}

void RedisLink::SubscriberLoop() {
  Millis delay = kFirstBackoff;
  while (!stop_) {
    auto opened = net::RedisConn::Open(o_.endpoint, SteadyIn(kWorkerDeadline));
    if (!opened.ok()) {
      Backoff(&delay);
      continue;
    }
    std::unique_ptr<net::RedisConn> conn = std::move(opened.value());
    std::vector<net::resp::Value> replies;
    if (conn->Exchange(net::resp::Command({"SUBSCRIBE", o_.channel}), 1, &replies,
                       SteadyIn(kWorkerDeadline)) != net::IoStatus::kOk) {
      Backoff(&delay);
      continue;
    }
    delay = kFirstBackoff;
    while (!stop_) {
      net::resp::Value v;
      net::IoStatus st = conn->Receive(&v, SteadyIn(Millis(250)));
      if (st == net::IoStatus::kTimeout) continue;
      if (st != net::IoStatus::kOk) break;
      // ["message", channel, payload]
      if (v.type == net::resp::Value::Type::kArray && v.elems.size() == 3 && v.elems[0].str == "message" &&
          hooks_.on_message)
        hooks_.on_message(v.elems[2].str);
    }
  }
}

}  // namespace detour
