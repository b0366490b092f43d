// The public face of fibers: the runtime (scheduler threads), and waiting primitives that
// park a fiber or block a thread, whichever the caller is.
#include "util/fiber.h"

#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "util/fiber_scheduler.h"

namespace detour::fiber {
namespace {

// server.threads before the runtime starts; 0 = one scheduler per core.
std::atomic<size_t> g_requested_schedulers{0};
std::atomic<bool> g_runtime_started{false};

class Runtime {
 public:
  static Runtime& Get() {
    static Runtime* rt = new Runtime();  // lives for the process, threads never joined
    return *rt;
  }
  Scheduler* Next() { return scheds_[next_.fetch_add(1) % scheds_.size()]; }
  size_t size() const { return scheds_.size(); }

 private:
  Runtime() {
    g_runtime_started.store(true);
    size_t n = g_requested_schedulers.load();
    if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
    for (size_t i = 0; i < n; ++i) scheds_.push_back(new Scheduler(static_cast<int>(i)));
    for (Scheduler* s : scheds_)
      std::thread([s] {
        // Named so `top -H` and /proc/PID/task/*/comm tell the schedulers apart.
        std::string name = "detour-sched" + std::to_string(s->index());
        pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
        s->Loop();
      }).detach();
  }
  std::vector<Scheduler*> scheds_;
  std::atomic<size_t> next_{0};
};

int PollMs(TimePoint until) {
  auto left = until - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
  return static_cast<int>(std::min<int64_t>((us + 999) / 1000, 1 << 30));
}

}  // namespace

static Fiber* NewFiber(std::function<void()> fn) {
  auto* f = new Fiber();
  f->fn = std::move(fn);
  return f;
}

void Spawn(std::function<void()> fn) {
  Scheduler* s = Scheduler::Current();
  (s ? s : Runtime::Get().Next())->Post(NewFiber(std::move(fn)));
}

void SpawnBalanced(std::function<void()> fn) { Runtime::Get().Next()->Post(NewFiber(std::move(fn))); }

bool InFiber() { return Scheduler::CurrentFiber() != nullptr; }

size_t SchedulerCount() { return Runtime::Get().size(); }

bool SetSchedulerCount(size_t n) {
  if (g_runtime_started.load()) return false;
  g_requested_schedulers.store(n);
  return true;
}

int CurrentSchedulerIndex() {
  Scheduler* s = Scheduler::Current();
  return s && Scheduler::CurrentFiber() ? s->index() : -1;
}

void Yield() {
  Fiber* f = Scheduler::CurrentFiber();
  if (!f) {
    std::this_thread::yield();
    return;
  }
  RunBeforeBlock(f);
  f->sched->YieldCurrent();
}

void SleepUntil(TimePoint until) {
  Fiber* f = Scheduler::CurrentFiber();
  if (!f) {
    std::this_thread::sleep_until(until);
    return;
  }
  RunBeforeBlock(f);
  while (Clock::now() < until) {
    f->sched->AddTimer(f, until);
    f->sched->Park();
    f->sched->CancelTimer(f);
  }
}

IoHandle::~IoHandle() {
  if (state_.sched) state_.sched->Unregister(fd_);
}

namespace {

bool IsSet(const std::atomic<bool>* cancel) {
  return cancel && cancel->load(std::memory_order_relaxed);
}

// A thread's wait: poll(2), in slices of kCancelSweep while a cancel flag is watched.
WaitResult PollThread(int fd, bool for_write, TimePoint until, const std::atomic<bool>* cancel) {
  for (;;) {
    if (IsSet(cancel)) return WaitResult::kTimeout;
    TimePoint slice = cancel ? std::min(until, Clock::now() + kCancelSweep) : until;
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int n = ::poll(&p, 1, PollMs(slice));
    if (n != 0) return WaitResult::kReady;  // ready, or an error the syscall will report
    if (Clock::now() >= until) return WaitResult::kTimeout;
  }
}

}  // namespace

WaitResult IoHandle::Wait(bool for_write, TimePoint until, const std::atomic<bool>* cancel) {
  Fiber* f = Scheduler::CurrentFiber();
  if (!f) return PollThread(fd_, for_write, until, cancel);
  Scheduler* s = f->sched;
  if (!state_.sched) s->Register(fd_, &state_);
  bool& ready = for_write ? state_.writable : state_.readable;
  if (ready) {  // an edge arrived since the last wait: let the caller try its syscall
    ready = false;
    return WaitResult::kReady;
  }
  // About to park: put-off work goes first. It may have waited itself, and an edge may
  // have come meanwhile.
  if (RunBeforeBlock(f) && ready) {
    ready = false;
    return WaitResult::kReady;
  }
  if (IsSet(cancel) || Clock::now() >= until) return WaitResult::kTimeout;
  Fiber*& slot = for_write ? state_.writer : state_.reader;
  slot = f;
  f->timed_out = false;
  s->AddTimer(f, until);
  if (cancel) s->WatchCancel(f, cancel);
  s->Park();
  s->CancelTimer(f);
  if (cancel) s->UnwatchCancel(f);
  if (slot == f) slot = nullptr;  // woken by the timer or the cancel sweep
  // Woken by an edge: that edge was never put in the flag (Scheduler::OnEvent), so one that
  // arrived since stays remembered there.
  return f->timed_out ? WaitResult::kTimeout : WaitResult::kReady;
}

void CondVar::WaitOnce(std::unique_lock<std::mutex>& lock) {
  Fiber* f = Scheduler::CurrentFiber();
  if (!f) {
    threads_.wait(lock);
    return;
  }
  if (f->before_block) {
    // Never run put-off work (it may block on a socket) with the caller's mutex held:
    // unlock, run it, and return as a spurious wake-up; Wait re-checks its predicate.
    lock.unlock();
    RunBeforeBlock(f);
    lock.lock();
    return;
  }
  fibers_.push_back(f);
  // The scheduler unlocks once this fiber is switched out, so a notifier on another
  // thread can only post it back after its context is saved.
  std::mutex* m = lock.release();
  f->unlock_after_park = m;
  f->sched->Park();
  lock = std::unique_lock<std::mutex>(*m);
}

void CondVar::NotifyAll() {
  for (Fiber* f : fibers_) f->sched->Post(f);
  fibers_.clear();
  threads_.notify_all();
}

}  // namespace detour::fiber
