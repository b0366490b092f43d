// The watchdog loop: scan under the lock, cut outside it.
#include "net/watchdog.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace detour::net {
namespace {
constexpr auto kTick = std::chrono::milliseconds(10);
constexpr auto kRecut = std::chrono::milliseconds(100);
}  // namespace

struct Watchdog::State {
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_set<WatchEntry*> entries;
};

Watchdog& Watchdog::Get() {
  // Leaked on purpose: the detached thread may still run while statics are destroyed.
  static Watchdog* instance = new Watchdog();
  return *instance;
}

Watchdog::Watchdog() : state_(new State) {
  std::thread([this] { Loop(); }).detach();
}

void Watchdog::Add(WatchEntry* entry) {
  std::lock_guard<std::mutex> lock(state_->mu);
  entry->fired = Fired::kNone;
  bool was_empty = state_->entries.empty();
  state_->entries.insert(entry);
  // The loop ticks every kTick while anything is watched; waking it per exchange would
  // cost a context switch per request. Only an idle loop (nothing watched) needs a wake.
  if (was_empty) state_->cv.notify_one();
}

Fired Watchdog::Remove(WatchEntry* entry) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->entries.erase(entry);
  return entry->fired;
}

void Watchdog::Loop() {
  std::unique_lock<std::mutex> lock(state_->mu);
  std::vector<std::function<void()>> cuts;
  for (;;) {
    state_->cv.wait(lock, [&] { return !state_->entries.empty(); });
    TimePoint now = SteadyClock::now();
    for (WatchEntry* e : state_->entries) {
      if (e->fired == Fired::kNone) {
        if (e->cancel && e->cancel->load(std::memory_order_relaxed)) {
          e->fired = Fired::kCancel;
        } else if (e->deadline && e->deadline->Passed(now)) {
          e->fired = Fired::kDeadline;
        } else {
          continue;
        }
      } else if (now - e->last_cut < kRecut) {
        continue;
      }
      e->last_cut = now;
      cuts.push_back(e->cut);
    }
    lock.unlock();
    for (auto& cut : cuts) std::thread(std::move(cut)).detach();
    cuts.clear();
    lock.lock();
    state_->cv.wait_for(lock, kTick);
  }
}

}  // namespace detour::net
