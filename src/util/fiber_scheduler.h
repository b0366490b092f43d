// The scheduler behind util/fiber.h (internal to util/fiber*.cc): one thread, its run
// queue, its epoll instance, its timers and an inbox other threads post fibers to.
//
// Single-thread rule: everything but Post() runs on the scheduler's own thread, so the
// run queue, timers and fd states need no lock. A fiber is made ready at most once per
// park (state kParked -> kReady), whatever woke it first (event, timer or post).
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "util/fiber.h"
#include "util/fiber_context.h"
#include "util/fiber_defer.h"
#include "util/fiber_stack_pool.h"

namespace detour::fiber {

struct Fiber {
  enum class State { kNew, kReady, kRunning, kParked, kDone };
  detail::Context ctx;
  detail::Stack stack;
  std::function<void()> fn;
  Scheduler* sched = nullptr;
  State state = State::kNew;
  // The current wait: a timer (index in the heap, npos when none) and how it ended.
  size_t timer_index = static_cast<size_t>(-1);
  bool timed_out = false;
  // A wait that also ends once a cancel flag turns true (IoHandle::Wait): its slot in the
  // scheduler's cancel watch (npos when not watched).
  size_t watch_index = static_cast<size_t>(-1);
  // Released by the scheduler once this fiber is switched out (CondVar::Wait).
  std::mutex* unlock_after_park = nullptr;
  // Armed by DeferUntilBlocking (util/fiber_defer.h); run before this fiber blocks or ends.
  BeforeBlock* before_block = nullptr;
};

// Runs (and disarms) the fiber's BeforeBlock hook; true when there was one.
bool RunBeforeBlock(Fiber* f);

class Scheduler {
 public:
  explicit Scheduler(int index);
  int index() const { return index_; }
  // The thread body; never returns.
  void Loop();
  // From any thread: runs a new fiber, or wakes a parked one, on this scheduler.
  void Post(Fiber* f);

  // --- on this scheduler's thread only ---
  static Scheduler* Current();
  static Fiber* CurrentFiber();
  void MakeReady(Fiber* f);
  // Switches from the current fiber back to the scheduler until someone makes it ready.
  void Park();
  // Switches out the current fiber, already queued to run again.
  void YieldCurrent();
  void AddTimer(Fiber* f, TimePoint at);
  void CancelTimer(Fiber* f);
  // Watches a parked fiber's cancel flag: one sweep every kCancelSweep looks at every
  // watched flag and wakes (as a timeout) each fiber whose flag is set. One periodic
  // sweep per scheduler instead of a short timer per waiting fiber: a thousand streams
  // waiting for their next chunk used to wake every 20 ms each just to look at a flag.
  void WatchCancel(Fiber* f, const std::atomic<bool>* cancel);
  void UnwatchCancel(Fiber* f);
  // Registers an fd (edge-triggered, read and write) for an IoHandle's state.
  void Register(int fd, IoHandle::State* state);
  void Unregister(int fd);

 private:
  void Start(Fiber* f);
  void Resume(Fiber* f);
  void RunReady();
  void DrainInbox();
  void FireTimers(TimePoint now);
  void SweepCancels(TimePoint now);
  void PollEvents(bool may_block);
  void OnEvent(const epoll_event& ev);
  int TimeoutMs(TimePoint now) const;
  void HeapSwap(size_t a, size_t b);
  void SiftUp(size_t i);
  void SiftDown(size_t i);
  void HeapRemove(size_t i);

  const int index_;
  int epfd_ = -1;
  int wakefd_ = -1;
  detail::Context main_;
  std::vector<Fiber*> ready_;
  std::vector<Fiber*> running_;  // the batch being run (swapped with ready_)
  // A min-heap on `at`. The time is kept in the entry, so sifting compares without
  // touching the fibers (with a thousand streams waiting, each Fiber is a cache miss).
  struct Timer {
    TimePoint at;
    Fiber* fiber;
  };
  std::vector<Timer> timers_;
  // Slots never move while watched (a freed slot is reused), so neither watching nor
  // unwatching touches another fiber, and a sweep reads only the flags themselves.
  struct Watched {
    const std::atomic<bool>* flag;
    Fiber* fiber;  // nullptr: a free slot
  };
  std::vector<Watched> cancel_watch_;
  std::vector<size_t> free_watch_slots_;
  TimePoint next_sweep_ = TimePoint::max();  // max while nothing is watched
  detail::StackPool stacks_{detail::StackPool::Limits{}};

  std::mutex inbox_mu_;
  std::vector<Fiber*> inbox_;
  std::atomic<size_t> inbox_size_{0};
  std::atomic<bool> sleeping_{false};
};

}  // namespace detour::fiber
