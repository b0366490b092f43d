// util/fiber_defer.h: work a fiber puts off until it blocks. The hook runs once per
// arming, on its fiber, at the start of the next wait (sleep, fd wait about to park,
// yield, condition variable) or when the fiber ends; never with a CondVar's mutex held.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "unit/util/fiber_test_util.h"
#include "util/fiber.h"
#include "util/fiber_defer.h"

using namespace std::chrono_literals;
namespace fiber = detour::fiber;
using fibertest::WaitUntil;

namespace {

// Counts its runs; optionally checks a mutex is free when it runs.
struct Hook final : fiber::BeforeBlock {
  std::atomic<int> runs{0};
  std::mutex* must_be_free = nullptr;
  std::atomic<bool> mutex_was_free{true};
  void BeforeBlocking() override {
    if (must_be_free) {
      if (must_be_free->try_lock()) must_be_free->unlock();
      else mutex_was_free = false;
    }
    runs++;
  }
};

}  // namespace

TEST_CASE("fiber_defer: outside a fiber nothing is armed") {
  Hook h;
  CHECK_FALSE(fiber::DeferUntilBlocking(&h));
  fiber::SleepUntil(fiber::Clock::now() + 1ms);
  CHECK(h.runs.load() == 0);
}

TEST_CASE("fiber_defer: the hook runs once, when its fiber next sleeps, and not after a cancel") {
  Hook h, canceled;
  std::atomic<int> before{-1}, after_first{-1}, after_second{-1};
  std::atomic<bool> done{false};
  fiber::Spawn([&] {
    CHECK(fiber::DeferUntilBlocking(&h));
    CHECK(fiber::DeferUntilBlocking(&h));  // armed twice: still one run
    before = h.runs.load();
    fiber::SleepUntil(fiber::Clock::now() + 1ms);
    after_first = h.runs.load();
    fiber::SleepUntil(fiber::Clock::now() + 1ms);  // not armed again: no run
    after_second = h.runs.load();
    fiber::DeferUntilBlocking(&canceled);
    fiber::CancelDeferred(&canceled);
    fiber::Yield();
    done = true;
  });
  REQUIRE(WaitUntil([&] { return done.load(); }));
  CHECK(before.load() == 0);
  CHECK(after_first.load() == 1);
  CHECK(after_second.load() == 1);
  CHECK(canceled.runs.load() == 0);
}

TEST_CASE("fiber_defer: arming another hook runs the first; a fiber that ends runs its hook") {
  Hook first, second;
  std::atomic<int> first_when_second_armed{-1};
  std::atomic<bool> body_done{false};
  fiber::Spawn([&] {
    fiber::DeferUntilBlocking(&first);
    fiber::DeferUntilBlocking(&second);
    first_when_second_armed = first.runs.load();
    body_done = true;
  });  // ends without blocking: `second` runs at the end
  REQUIRE(WaitUntil([&] { return body_done.load() && second.runs.load() == 1; }));
  CHECK(first_when_second_armed.load() == 1);
  CHECK(first.runs.load() == 1);
}

TEST_CASE("fiber_defer: an fd wait that parks runs the hook first; one that finds data ready does not") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  Hook h;
  std::atomic<int> runs_after_ready_wait{-1}, runs_after_parked_wait{-1};
  std::atomic<bool> done{false};
  fiber::Spawn([&] {
    fiber::IoHandle io(sv[0]);
    // A first wait registers the fd; its edge (the data written below) is then remembered.
    REQUIRE(::write(sv[1], "x", 1) == 1);
    io.Wait(false, fiber::Clock::now() + 2s);
    char c;
    while (::read(sv[0], &c, 1) == 1) {
    }
    REQUIRE(::write(sv[1], "y", 1) == 1);
    fiber::Yield();  // lets the scheduler poll: the edge is remembered in the flag
    fiber::DeferUntilBlocking(&h);
    io.Wait(false, fiber::Clock::now() + 2s);  // ready already: returns at once
    runs_after_ready_wait = h.runs.load();
    while (::read(sv[0], &c, 1) == 1) {
    }
    io.Wait(false, fiber::Clock::now() + 20ms);  // nothing comes: parks (and times out)
    runs_after_parked_wait = h.runs.load();
    done = true;
  });
  REQUIRE(WaitUntil([&] { return done.load(); }));
  CHECK(runs_after_ready_wait.load() == 0);
  CHECK(runs_after_parked_wait.load() == 1);
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST_CASE("fiber_defer: a condition-variable wait runs the hook with the mutex released") {
  std::mutex mu;
  fiber::CondVar cv;
  bool ready = false;
  Hook h;
  h.must_be_free = &mu;
  std::atomic<bool> done{false};
  fiber::Spawn([&] {
    fiber::DeferUntilBlocking(&h);
    std::unique_lock<std::mutex> lock(mu);
    cv.Wait(lock, [&] { return ready; });
    done = true;
  });
  REQUIRE(WaitUntil([&] { return h.runs.load() == 1; }));
  {
    std::lock_guard<std::mutex> lock(mu);
    ready = true;
    cv.NotifyAll();
  }
  REQUIRE(WaitUntil([&] { return done.load(); }));
  CHECK(h.mutex_was_free.load());
}
