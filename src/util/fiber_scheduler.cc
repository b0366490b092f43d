#include "util/fiber_scheduler.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace detour::fiber {
namespace {

constexpr size_t kNoTimer = static_cast<size_t>(-1);
constexpr size_t kNotWatched = static_cast<size_t>(-1);

thread_local Scheduler* t_sched = nullptr;
thread_local Fiber* t_fiber = nullptr;

void FiberEntry(void* arg) {
  auto* f = static_cast<Fiber*>(arg);
  try {
    f->fn();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "detour: fatal: exception escaped a fiber: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "detour: fatal: exception escaped a fiber\n");
    std::abort();
  }
  // Put-off writes go out before the fiber is gone: before what the task captured is
  // destroyed (a hook's owner may be among it), and again for any armed by destructors.
  RunBeforeBlock(f);
  f->fn = nullptr;  // destroy what the task captured while still on its own stack
  RunBeforeBlock(f);
  f->state = Fiber::State::kDone;
  f->sched->Park();  // never resumed
  std::abort();
}

}  // namespace

Scheduler::Scheduler(int index) : index_(index) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || wakefd_ < 0) {
    std::perror("detour: fatal: cannot create the fiber scheduler");
    std::abort();
  }
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: stays reported until drained
  ev.data.ptr = nullptr;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
}

bool RunBeforeBlock(Fiber* f) {
  BeforeBlock* hook = f->before_block;
  if (!hook) return false;
  f->before_block = nullptr;  // disarmed first: the hook may wait, and its wait must not rerun it
  hook->BeforeBlocking();
  return true;
}

bool DeferUntilBlocking(BeforeBlock* hook) {
  Fiber* f = t_fiber;
  if (!f) return false;
  if (f->before_block != hook) RunBeforeBlock(f);
  f->before_block = hook;
  return true;
}

void CancelDeferred(BeforeBlock* hook) {
  if (t_fiber && t_fiber->before_block == hook) t_fiber->before_block = nullptr;
}

Scheduler* Scheduler::Current() { return t_sched; }
Fiber* Scheduler::CurrentFiber() { return t_fiber; }

void Scheduler::Loop() {
  t_sched = this;
  for (;;) {
    DrainInbox();
    RunReady();
    auto now = Clock::now();
    FireTimers(now);
    SweepCancels(now);
    stacks_.MaybeTrim(now);
    PollEvents(ready_.empty());
  }
}

void Scheduler::Post(Fiber* f) {
  if (t_sched == this) {
    if (f->state == Fiber::State::kNew) Start(f);
    else MakeReady(f);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    inbox_.push_back(f);
    inbox_size_.store(inbox_.size());
  }
  if (sleeping_.exchange(false)) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakefd_, &one, sizeof one);
  }
}

void Scheduler::DrainInbox() {
  if (inbox_size_.load() == 0) return;
  std::vector<Fiber*> posted;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    posted.swap(inbox_);
    inbox_size_.store(0);
  }
  for (Fiber* f : posted) {
    if (f->state == Fiber::State::kNew) Start(f);
    else MakeReady(f);
  }
}

void Scheduler::Start(Fiber* f) {
  f->sched = this;
  f->stack = stacks_.Take();
  detail::MakeContext(&f->ctx, f->stack, FiberEntry, f);
  f->state = Fiber::State::kReady;
  ready_.push_back(f);
}

void Scheduler::MakeReady(Fiber* f) {
  if (f->state != Fiber::State::kParked) return;  // already woken by something else
  f->state = Fiber::State::kReady;
  ready_.push_back(f);
}

void Scheduler::RunReady() {
  running_.swap(ready_);  // fibers made ready meanwhile wait for the next round
  for (Fiber* f : running_) Resume(f);
  running_.clear();
}

void Scheduler::Resume(Fiber* f) {
  f->state = Fiber::State::kRunning;
  t_fiber = f;
  detail::SwitchContext(&main_, &f->ctx);
  t_fiber = nullptr;
  if (std::mutex* m = f->unlock_after_park) {
    f->unlock_after_park = nullptr;
    m->unlock();  // from here on another thread may post this fiber back
  }
  if (f->state == Fiber::State::kDone) {
    detail::DestroyContext(&f->ctx);
    stacks_.Give(f->stack);
    delete f;
  }
}

void Scheduler::Park() {
  Fiber* f = t_fiber;
  if (f->state == Fiber::State::kDone) detail::ExitContext(&f->ctx, &main_);  // its last switch
  f->state = Fiber::State::kParked;
  detail::SwitchContext(&f->ctx, &main_);
}

void Scheduler::YieldCurrent() {
  Fiber* f = t_fiber;
  f->state = Fiber::State::kReady;
  ready_.push_back(f);
  detail::SwitchContext(&f->ctx, &main_);
}

void Scheduler::PollEvents(bool may_block) {
  int timeout = 0;
  if (may_block) {
    sleeping_.store(true);
    timeout = inbox_size_.load() ? 0 : TimeoutMs(Clock::now());
  }
  epoll_event events[256];
  int n = ::epoll_wait(epfd_, events, 256, timeout);
  if (may_block) sleeping_.store(false);
  // Every event of the batch is handled before any fiber runs, so no fiber can free an
  // fd state while it is still referenced here.
  for (int i = 0; i < n; ++i) OnEvent(events[i]);
}

void Scheduler::OnEvent(const epoll_event& ev) {
  auto* st = static_cast<IoHandle::State*>(ev.data.ptr);
  if (!st) {  // the inbox's eventfd
    uint64_t v;
    [[maybe_unused]] auto n = ::read(wakefd_, &v, sizeof v);
    return;
  }
  // An edge either wakes the fiber parked for it (the wake is the news) or, with nobody
  // parked, is remembered in the flag for the next wait. Never both: a flag set for an
  // edge that woke a fiber would be cleared by that fiber and take a later edge with it
  // (a FIN right behind the last data was lost that way once reads began to wait first).
  // A waiter its timer already woke is not parked: it will see a timeout, so the edge goes
  // to the flag.
  auto wake = [this](Fiber*& slot, bool& flag) {
    Fiber* f = slot;
    if (f == nullptr || f->state != Fiber::State::kParked) {
      flag = true;
      return;
    }
    slot = nullptr;
    CancelTimer(f);
    MakeReady(f);
  };
  constexpr uint32_t kBroken = EPOLLHUP | EPOLLERR;
  if (ev.events & (EPOLLRDHUP | kBroken)) st->hung_up = true;
  if (ev.events & (EPOLLIN | EPOLLRDHUP | kBroken)) wake(st->reader, st->readable);
  if (ev.events & (EPOLLOUT | kBroken)) wake(st->writer, st->writable);
}

void Scheduler::Register(int fd, IoHandle::State* state) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = state;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  // A fresh registration reports the current state as an edge, so start from "not ready".
  state->sched = this;
}

void Scheduler::Unregister(int fd) { ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

// --- timers: a min-heap whose entries know their index, so a wait that ends early
// removes its timer instead of leaving it behind until it expires.

int Scheduler::TimeoutMs(TimePoint now) const {
  // The next timer, the next cancel sweep (only while a wait is watched), or the stack
  // pool's next trim (only while it holds a surplus).
  TimePoint next = std::min(stacks_.NextTrim(), next_sweep_);
  if (!timers_.empty()) next = std::min(next, timers_.front().at);
  if (next == TimePoint::max()) return -1;
  auto left = next - now;
  if (left <= Clock::duration::zero()) return 0;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
  return static_cast<int>(std::min<int64_t>((us + 999) / 1000, 1 << 30));
}

void Scheduler::FireTimers(TimePoint now) {
  while (!timers_.empty() && timers_.front().at <= now) {
    Fiber* f = timers_.front().fiber;
    HeapRemove(0);
    f->timed_out = true;
    MakeReady(f);
  }
}

void Scheduler::AddTimer(Fiber* f, TimePoint at) {
  CancelTimer(f);
  f->timer_index = timers_.size();
  timers_.push_back({at, f});
  SiftUp(f->timer_index);
}

void Scheduler::CancelTimer(Fiber* f) {
  if (f->timer_index != kNoTimer) HeapRemove(f->timer_index);
}

void Scheduler::HeapSwap(size_t a, size_t b) {
  std::swap(timers_[a], timers_[b]);
  timers_[a].fiber->timer_index = a;
  timers_[b].fiber->timer_index = b;
}

void Scheduler::SiftUp(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (timers_[parent].at <= timers_[i].at) break;
    HeapSwap(i, parent);
    i = parent;
  }
}

void Scheduler::SiftDown(size_t i) {
  for (;;) {
    size_t smallest = i, l = 2 * i + 1, r = l + 1;
    if (l < timers_.size() && timers_[l].at < timers_[smallest].at) smallest = l;
    if (r < timers_.size() && timers_[r].at < timers_[smallest].at) smallest = r;
    if (smallest == i) return;
    HeapSwap(i, smallest);
    i = smallest;
  }
}

void Scheduler::HeapRemove(size_t i) {
  Fiber* gone = timers_[i].fiber;
  size_t last = timers_.size() - 1;
  if (i != last) HeapSwap(i, last);
  timers_.pop_back();
  gone->timer_index = kNoTimer;
  if (i < timers_.size()) {
    SiftDown(i);
    SiftUp(i);
  }
}

// --- cancel flags: slots swept every kCancelSweep while any is watched.

void Scheduler::WatchCancel(Fiber* f, const std::atomic<bool>* cancel) {
  if (cancel_watch_.size() == free_watch_slots_.size()) next_sweep_ = Clock::now() + kCancelSweep;
  if (free_watch_slots_.empty()) {
    f->watch_index = cancel_watch_.size();
    cancel_watch_.push_back({cancel, f});
    return;
  }
  f->watch_index = free_watch_slots_.back();
  free_watch_slots_.pop_back();
  cancel_watch_[f->watch_index] = {cancel, f};
}

void Scheduler::UnwatchCancel(Fiber* f) {
  size_t i = f->watch_index;
  if (i == kNotWatched) return;
  f->watch_index = kNotWatched;
  cancel_watch_[i] = {nullptr, nullptr};
  free_watch_slots_.push_back(i);
  // All free: start over, so the slots of a past peak are not swept forever.
  if (free_watch_slots_.size() == cancel_watch_.size()) {
    cancel_watch_.clear();
    free_watch_slots_.clear();
    next_sweep_ = TimePoint::max();
  }
}

void Scheduler::SweepCancels(TimePoint now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + kCancelSweep;
  // Waking only marks fibers ready; each leaves its slot itself when it runs, so the
  // slots do not change under this loop.
  for (const Watched& w : cancel_watch_) {
    if (!w.fiber || !w.flag->load(std::memory_order_relaxed)) continue;
    if (w.fiber->state != Fiber::State::kParked) continue;
    CancelTimer(w.fiber);
    w.fiber->timed_out = true;
    MakeReady(w.fiber);
  }
}

}  // namespace detour::fiber
