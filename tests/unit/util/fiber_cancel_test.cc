// fiber::IoHandle::Wait with a cancel flag: the scheduler's sweep ends a parked wait soon
// after its flag is set (from any thread), and never ends one whose flag is not set.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "unit/util/fiber_test_util.h"
#include "util/fiber.h"

using namespace std::chrono_literals;
namespace fiber = detour::fiber;
using fibertest::WaitUntil;

namespace {

constexpr int kNone = -1;
constexpr int kReady = 1;
constexpr int kTimeout = 2;

int Code(fiber::WaitResult r) { return r == fiber::WaitResult::kReady ? kReady : kTimeout; }

// A silent socket: one end of a socketpair nobody writes to (until a test does).
struct Pair {
  int fd[2] = {-1, -1};
  Pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0); }
  ~Pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
};

// One waiter: parks on its socket (deadline 30 s) watching its flag; `result` gets how
// the wait ended.
struct Waiter {
  Pair pair;
  std::atomic<bool> cancel{false};
  std::atomic<int> result{kNone};
  std::atomic<bool> started{false};

  void Run() {
    fiber::IoHandle h(pair.fd[0]);
    started = true;
    result = Code(h.Wait(false, std::chrono::steady_clock::now() + 30s, &cancel));
  }
};

}  // namespace

TEST_CASE("fiber cancel: a flag set from another thread ends only its own fiber's wait") {
  Waiter w[3];
  Waiter late;  // spawned after one slot is freed: takes that slot
  std::atomic<bool> spawn_late{false};
  // All on one scheduler: the first fiber spawns the others (a fiber's Spawn stays local).
  fiber::Spawn([&] {
    fiber::Spawn([&] { w[1].Run(); });
    fiber::Spawn([&] { w[2].Run(); });
    fiber::Spawn([&] {
      while (!spawn_late.load()) fiber::SleepUntil(std::chrono::steady_clock::now() + 5ms);
      late.Run();
    });
    w[0].Run();
  });
  REQUIRE(WaitUntil([&] { return w[0].started && w[1].started && w[2].started; }));

  auto t0 = std::chrono::steady_clock::now();
  w[1].cancel = true;
  REQUIRE(WaitUntil([&] { return w[1].result.load() != kNone; }, 2000ms));
  CHECK(w[1].result.load() == kTimeout);
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);  // a sweep away (20 ms), not the deadline
  CHECK(w[0].result.load() == kNone);  // the sweep woke nobody else
  CHECK(w[2].result.load() == kNone);

  // A watched wait still wakes on its socket.
  REQUIRE(::write(w[0].pair.fd[1], "x", 1) == 1);
  REQUIRE(WaitUntil([&] { return w[0].result.load() != kNone; }));
  CHECK(w[0].result.load() == kReady);
  CHECK(w[2].result.load() == kNone);

  // A fiber that watches after others left (a reused slot) is swept like any other.
  spawn_late = true;
  REQUIRE(WaitUntil([&] { return late.started.load(); }));
  late.cancel = true;
  REQUIRE(WaitUntil([&] { return late.result.load() != kNone; }, 2000ms));
  CHECK(late.result.load() == kTimeout);
  CHECK(w[2].result.load() == kNone);

  w[2].cancel = true;
  REQUIRE(WaitUntil([&] { return w[2].result.load() != kNone; }, 2000ms));
  CHECK(w[2].result.load() == kTimeout);
}

TEST_CASE("fiber cancel: a watched wait whose flag stays clear lasts until its deadline") {
  Pair pair;
  std::atomic<bool> cancel{false};
  std::atomic<long long> waited_ms{-1};
  std::atomic<int> result{kNone};
  fiber::Spawn([&] {
    fiber::IoHandle h(pair.fd[0]);
    auto t0 = std::chrono::steady_clock::now();
    result = Code(h.Wait(false, t0 + 150ms, &cancel));
    waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
                    .count();
  });
  REQUIRE(WaitUntil([&] { return waited_ms.load() >= 0; }));
  CHECK(result.load() == kTimeout);
  CHECK(waited_ms.load() >= 140);  // seven sweeps passed it by
}

TEST_CASE("fiber cancel: a flag already set ends the wait at once, on a fiber and on a thread") {
  Pair pair;
  std::atomic<bool> cancel{true};
  std::atomic<int> result{kNone};
  auto t0 = std::chrono::steady_clock::now();
  fiber::Spawn([&] {
    fiber::IoHandle h(pair.fd[0]);
    result = Code(h.Wait(false, std::chrono::steady_clock::now() + 30s, &cancel));
  });
  REQUIRE(WaitUntil([&] { return result.load() != kNone; }));
  CHECK(result.load() == kTimeout);

  fiber::IoHandle h(pair.fd[0]);  // on this thread: poll(2) in slices
  CHECK(h.Wait(false, std::chrono::steady_clock::now() + 30s, &cancel) == fiber::WaitResult::kTimeout);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
}

TEST_CASE("fiber cancel: a thread's wait ends soon after another thread sets its flag") {
  Pair pair;
  std::atomic<bool> cancel{false};
  std::atomic<int> result{kNone};
  std::thread waiter([&] {
    fiber::IoHandle h(pair.fd[0]);
    result = Code(h.Wait(false, std::chrono::steady_clock::now() + 30s, &cancel));
  });
  cancel = true;
  bool ended = WaitUntil([&] { return result.load() != kNone; }, 2000ms);
  if (!ended) REQUIRE(::write(pair.fd[1], "x", 1) == 1);  // never leave the thread behind
  waiter.join();
  CHECK(ended);
  CHECK(result.load() == kTimeout);
}
