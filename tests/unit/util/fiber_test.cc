// Fibers: spawning, sleeping, fd waits with deadlines, and the condition variable shared
// by fibers and threads.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "unit/util/fiber_test_util.h"
#include "util/fiber.h"

using namespace std::chrono_literals;
namespace fiber = detour::fiber;
using fibertest::WaitUntil;

namespace {

long long MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace

TEST_CASE("fiber: a thousand sleeping fibers run concurrently on the scheduler threads") {
  std::atomic<int> done{0};
  std::atomic<int> in_fiber{0};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) {
    fiber::Spawn([&] {
      if (fiber::InFiber() && fiber::CurrentSchedulerIndex() >= 0) in_fiber++;
      fiber::SleepUntil(std::chrono::steady_clock::now() + 100ms);
      done++;
    });
  }
  REQUIRE(WaitUntil([&] { return done.load() == 1000; }));
  CHECK(in_fiber.load() == 1000);
  CHECK(MsSince(start) < 2000);  // concurrent: not 1000 x 100 ms
  CHECK_FALSE(fiber::InFiber());
  CHECK(fiber::CurrentSchedulerIndex() == -1);
}

TEST_CASE("fiber: an fd wait wakes on data and times out at its deadline") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  std::atomic<int> woke{-1};
  std::atomic<long long> timeout_ms{-1};
  std::atomic<bool> waiting{false};
  fiber::Spawn([&] {
    fiber::IoHandle h(sv[0]);
    auto t0 = std::chrono::steady_clock::now();
    auto r = h.Wait(false, t0 + 150ms);
    while (r == fiber::WaitResult::kReady) {  // spurious readiness is allowed
      char c;
      if (::read(sv[0], &c, 1) == 1) break;
      r = h.Wait(false, t0 + 150ms);
    }
    timeout_ms = r == fiber::WaitResult::kTimeout ? MsSince(t0) : -2;
    waiting = true;
    auto r2 = h.Wait(false, std::chrono::steady_clock::now() + 5s);
    char c = 0;
    while (r2 == fiber::WaitResult::kReady && ::read(sv[0], &c, 1) != 1)
      r2 = h.Wait(false, std::chrono::steady_clock::now() + 5s);
    woke = c;
  });
  REQUIRE(WaitUntil([&] { return waiting.load(); }));
  CHECK(timeout_ms.load() >= 140);
  CHECK(timeout_ms.load() < 1000);
  REQUIRE(::write(sv[1], "x", 1) == 1);
  REQUIRE(WaitUntil([&] { return woke.load() != -1; }));
  CHECK(woke.load() == 'x');
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST_CASE("fiber: CondVar hands a value back and forth between a thread and a fiber") {
  std::mutex mu;
  fiber::CondVar cv;
  int turn = 0;  // even: thread's turn, odd: fiber's turn
  constexpr int kRounds = 2000;
  fiber::Spawn([&] {
    for (int i = 0; i < kRounds; ++i) {
      std::unique_lock<std::mutex> lock(mu);
      cv.Wait(lock, [&] { return turn % 2 == 1; });
      ++turn;
      cv.NotifyAll();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    std::unique_lock<std::mutex> lock(mu);
    ++turn;
    cv.NotifyAll();
    cv.Wait(lock, [&] { return turn % 2 == 0; });
  }
  CHECK(turn == 2 * kRounds);
}

TEST_CASE("fiber: fibers wait on each other through a CondVar and Yield lets others run") {
  std::mutex mu;
  fiber::CondVar cv;
  bool go = false;
  std::atomic<int> woken{0};
  std::atomic<int> yields{0};
  for (int i = 0; i < 50; ++i) {
    fiber::Spawn([&] {
      std::unique_lock<std::mutex> lock(mu);
      cv.Wait(lock, [&] { return go; });
      woken++;
    });
  }
  fiber::Spawn([&] {
    for (int i = 0; i < 100; ++i) {
      fiber::Yield();
      yields++;
    }
    std::lock_guard<std::mutex> lock(mu);
    go = true;
    cv.NotifyAll();
  });
  REQUIRE(WaitUntil([&] { return woken.load() == 50; }));
  CHECK(yields.load() == 100);
}

TEST_CASE("fiber: a deep stack and floating point survive switches") {
  std::atomic<double> result{0};
  fiber::Spawn([&] {
    // ~200 KB of stack in use while parked.
    volatile char big[200 * 1024];
    for (size_t i = 0; i < sizeof big; i += 4096) big[i] = static_cast<char>(i);
    double x = 1.5;
    fiber::SleepUntil(std::chrono::steady_clock::now() + 5ms);
    x *= 2.0;
    result = x + big[4096] * 0.0;
  });
  REQUIRE(WaitUntil([&] { return result.load() != 0; }));
  CHECK(result.load() == doctest::Approx(3.0));
}

TEST_CASE("the scheduler count is fixed once the runtime runs") {
  size_t n = fiber::SchedulerCount();  // starts the runtime (if no test did before)
  CHECK(n >= 1);
  CHECK_FALSE(fiber::SetSchedulerCount(n + 1));
  CHECK(fiber::SchedulerCount() == n);
}
