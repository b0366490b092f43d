// Socket::ReadAppend from many fibers of one scheduler at once: they share one scratch
// buffer per thread (net/socket.cc), so each must still get exactly its own bytes.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/socket.h"
#include "util/fiber.h"

namespace fiber = detour::fiber;
using detour::net::IoStatus;
using detour::net::Socket;
using namespace std::chrono_literals;

namespace {

std::string Piece(int reader, int round) {
  return "reader " + std::to_string(reader) + " round " + std::to_string(round) + ";";
}

}  // namespace

TEST_CASE("fibers on one scheduler reading at once each get exactly their own bytes") {
  constexpr int kReaders = 24, kRounds = 40;
  std::vector<int> write_ends(kReaders), read_ends(kReaders);
  for (int i = 0; i < kReaders; ++i) {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    read_ends[i] = sv[0];
    write_ends[i] = sv[1];
  }
  std::vector<std::string> expected(kReaders);
  for (int r = 0; r < kRounds; ++r)
    for (int i = 0; i < kReaders; ++i) expected[i] += Piece(i, r);

  auto got = std::make_shared<std::vector<std::string>>(kReaders);
  auto finished = std::make_shared<std::atomic<int>>(0);
  auto all_done = std::make_shared<std::promise<void>>();
  auto done_future = all_done->get_future();
  // One parent fiber spawns the readers, so they all run on its scheduler thread.
  fiber::Spawn([=] {
    for (int i = 0; i < kReaders; ++i) {
      fiber::Spawn([=] {
        Socket sock(read_ends[i]);
        std::string& mine = (*got)[i];
        auto until = fiber::Clock::now() + 20s;
        while (mine.size() < expected[i].size())
          if (sock.ReadAppend(mine, until) != IoStatus::kOk) break;
        if (finished->fetch_add(1) + 1 == kReaders) all_done->set_value();
      });
    }
  });
  // Round-robin writes, so the readers' reads interleave on the scheduler.
  std::atomic<int> short_writes{0};  // checked here, not on the writer thread
  std::thread writer([&] {
    for (int r = 0; r < kRounds; ++r) {
      for (int i = 0; i < kReaders; ++i) {
        std::string p = Piece(i, r);
        if (::write(write_ends[i], p.data(), p.size()) != static_cast<ssize_t>(p.size())) ++short_writes;
      }
      std::this_thread::yield();
    }
  });
  writer.join();
  REQUIRE(short_writes.load() == 0);
  REQUIRE(done_future.wait_for(20s) == std::future_status::ready);
  for (int i = 0; i < kReaders; ++i) CHECK((*got)[i] == expected[i]);
  for (int fd : write_ends) ::close(fd);
}
