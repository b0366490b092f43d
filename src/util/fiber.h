// Fibers: user-mode threads on a few scheduler threads, each with its own epoll loop.
//
// Why: `serve` holds one blocking-style flow per connection (and one per streamed walk).
// As kernel threads those cost two context switches per request, which dominated the
// gateway's CPU (bench/README.md). As fibers, a flow that would block parks instead, and
// one epoll_wait wakes every flow whose socket became ready. The code above the net layer
// keeps its sequential shape: only the points that wait know about fibers.
//
// Every waiting primitive here works from both worlds: called on a fiber it parks the
// fiber; called on an ordinary thread (chat, the prober, tests) it blocks the thread
// (poll, condition_variable, sleep). So net and core code need not know where they run.
//
// Rules for code that runs on fibers: never hold a mutex across a wait (another fiber on
// the same thread would deadlock on it); never block for long in a syscall the runtime
// does not know about. A fiber stays on the scheduler thread it was spawned on.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include <chrono>

namespace detour::fiber {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Fiber;
class Scheduler;

// Starts `fn` on a fiber: on the current scheduler when called from a fiber, otherwise on
// the next scheduler thread in turn. The runtime (one scheduler thread per core) starts on
// first use and lives for the process. An exception escaping `fn` terminates the process.
void Spawn(std::function<void()> fn);

// Starts `fn` on a fiber on the next scheduler thread in turn, wherever the caller runs
// (spreads connections over the cores).
void SpawnBalanced(std::function<void()> fn);

// Whether the caller runs on a fiber.
bool InFiber();

// Lets other ready fibers run (no-op on a thread).
void Yield();

// Sleeps until `until` (fiber: parks; thread: sleeps).
void SleepUntil(TimePoint until);

enum class WaitResult { kReady, kTimeout };

// How soon a wait notices that its cancel flag was set (IoHandle::Wait): at most this
// long after, whoever set it (another fiber, another thread, a signal handler).
inline constexpr std::chrono::milliseconds kCancelSweep{20};

// One file descriptor's readiness, for non-blocking sockets. Owned by the socket's owner;
// used by one flow at a time (one reader and one writer may wait at once). On a fiber the
// fd is registered (edge-triggered) with the fiber's scheduler on first wait and removed
// on destruction; a handle must not move between scheduler threads once registered.
class IoHandle {
 public:
  explicit IoHandle(int fd) : fd_(fd) {}
  ~IoHandle();
  IoHandle(const IoHandle&) = delete;
  IoHandle& operator=(const IoHandle&) = delete;

  int fd() const { return fd_; }
  // Call right before closing the fd: the kernel drops a closed fd from epoll itself, so
  // the destructor then skips its EPOLL_CTL_DEL.
  void BeforeClose() { state_.sched = nullptr; }
  // Waits until the fd may be readable (writable) or `until` passes. May return kReady
  // spuriously (the caller retries its syscall and waits again on EAGAIN). With `cancel`,
  // also returns kTimeout within kCancelSweep of *cancel turning true (at once when it
  // already is): the caller tells a cancel from its deadline by looking at both. A parked
  // fiber's flag is looked at by its scheduler's periodic sweep, so the wait itself never
  // wakes just to look; a thread polls in slices of kCancelSweep.
  WaitResult Wait(bool for_write, TimePoint until, const std::atomic<bool>* cancel = nullptr);

  // False only when the fd is registered on a fiber scheduler and no edge has arrived
  // since the last wait consumed one: then the peer has certainly sent nothing (no data,
  // no FIN) and a readiness check can be skipped.
  bool MaybeReadable() const { return !state_.sched || state_.readable; }
  void ClearReadable() { state_.readable = false; }
  // The peer's FIN (or an error) has been seen: a read will not block. One edge can carry
  // both the last data and the FIN, so a read that came up short proves nothing then.
  bool HungUp() const { return state_.hung_up; }

  // Scheduler-side state (edge flags and parked waiters).
  struct State {
    Scheduler* sched = nullptr;
    Fiber* reader = nullptr;
    Fiber* writer = nullptr;
    bool readable = false;
    bool writable = false;
    bool hung_up = false;  // the peer shut down its side (or the socket broke): sticky
  };

 private:
  int fd_;
  State state_;
};

// A condition variable for fibers and threads alike, used with a std::mutex and a
// predicate. Notify wakes every waiter (fibers on any scheduler, and threads).
class CondVar {
 public:
  template <class Pred>
  void Wait(std::unique_lock<std::mutex>& lock, Pred pred) {
    while (!pred()) WaitOnce(lock);
  }
  // Call with the mutex held.
  void NotifyAll();

 private:
  void WaitOnce(std::unique_lock<std::mutex>& lock);
  std::deque<Fiber*> fibers_;
  std::condition_variable threads_;
};

// How many scheduler threads the runtime has (starts it).
size_t SchedulerCount();
// Sets how many scheduler threads the runtime starts with (0: one per core, the default).
// Only before the runtime's first use (the first Spawn, wait or SchedulerCount): false,
// and nothing changed, once it runs. `serve` calls it with server.threads.
bool SetSchedulerCount(size_t n);
// The index of the scheduler running the calling fiber, or -1 on an ordinary thread.
// Per-scheduler resources (pooled connections registered with its epoll) key on it.
int CurrentSchedulerIndex();

}  // namespace detour::fiber
