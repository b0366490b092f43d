// The Redis StateStore (core/redis_state_store.h) against a real redis-server started here
// on a free loopback port (skipped, with a message, where redis-server is not installed):
// two stores stand for two detour instances. A cooldown opened by one is seen by the
// other; rpm admission is exact across both; spend and cache entries are shared; with
// Redis gone a store answers from local state at once and says it is degraded.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/redis_state_store.h"
#include "net/redis_conn.h"

extern char** environ;

namespace detour {
namespace {

using namespace std::chrono_literals;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool WaitUntil(const std::function<bool()>& ok, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// redis-server in the foreground, no persistence; stopped (and reaped) by the destructor.
class RedisServer {
 public:
  static bool Installed() { return std::system("redis-server --version >/dev/null 2>&1") == 0; }
  explicit RedisServer(int port, const std::string& password = "") : port_(port) {
    std::string p = std::to_string(port);
    std::vector<const char*> argv = {"redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no", "--dir", "/tmp", "--loglevel", "warning"};
    if (!password.empty()) {
      argv.push_back("--requirepass");
      argv.push_back(password.c_str());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t quiet;  // its start-up notes are not the test's output
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnp(&pid_, "redis-server", &quiet, nullptr, const_cast<char**>(argv.data()), environ);
    posix_spawn_file_actions_destroy(&quiet);
    net::RedisEndpoint ep;
    ep.port = port_;
    ep.password = password;
    ready_ = WaitUntil([&] {
      auto until = std::chrono::steady_clock::now() + 200ms;
      return net::RedisConn::Open(ep, until).ok();
    }, 10s);
  }
  ~RedisServer() { Stop(); }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }

 private:
  int port_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

RedisStateStore::Options Opts(int port) {
  RedisStateStore::Options o;
  o.endpoint.host = "127.0.0.1";
  o.endpoint.port = port;
  o.prefix = "unit:";
  return o;
}

TEST_CASE("redis state: cooldowns, rpm, spend and cache entries are shared by two instances") {
  if (!RedisServer::Installed()) {
    MESSAGE("skipped: redis-server is not installed (Debian: apt-get install redis-server)");
    return;
  }
  RedisServer redis(FreePort());
  REQUIRE(redis.ready());
  Clock& clock = SystemClock();
  RedisStateStore a(Opts(redis.port()), clock), b(Opts(redis.port()), clock);
  REQUIRE(WaitUntil([&] { return *a.BackendUp() && *b.BackendUp(); }, 5s));
  StateSlot& sa = a.Slot("dep");
  StateSlot& sb = b.Slot("dep");

  SUBCASE("a cooldown opened on A is seen by B, and a success after it ends closes it for both") {
    CooldownPolicy p{0, Millis(60000), Millis(300)};
    REQUIRE(a.TryAdmit(sa, {}, clock.Now(), false) == AdmitResult::kOpen);
    AttemptFacts fail;
    fail.kind = ErrorKind::kServerError;
    CHECK(a.Finish(sa, {}, p, fail, clock.Now()));
    CHECK(WaitUntil([&] { return b.Routing(sb, {}, clock.Now()).cooling; }, 1s));
    CHECK(b.TryAdmit(sb, {}, clock.Now(), false) == AdmitResult::kCooling);
    CHECK(b.Health(sb, clock.Now()).cooling);
    // After the cooldown, B may send one half-open probe; its success ends it everywhere.
    REQUIRE(WaitUntil([&] { return !b.Routing(sb, {}, clock.Now()).cooling; }, 2s));
    REQUIRE(b.TryAdmit(sb, {}, clock.Now(), false) == AdmitResult::kProbe);
    CHECK(b.TryAdmit(sb, {}, clock.Now(), false) == AdmitResult::kCooling);  // one probe at a time
    AttemptFacts ok;
    ok.ok = true;
    b.Finish(sb, {}, p, ok, clock.Now());
    CHECK(b.TryAdmit(sb, {}, clock.Now(), false) == AdmitResult::kOpen);
    b.Abandon(sb, AdmitResult::kOpen);
  }

  SUBCASE("the allowed_fails window counts failures on every instance") {
    CooldownPolicy p{1, Millis(60000), Millis(30000)};  // the 2nd failure opens
    AttemptFacts fail;
    fail.kind = ErrorKind::kTimeout;
    REQUIRE(a.TryAdmit(sa, {}, clock.Now(), false) == AdmitResult::kOpen);
    CHECK_FALSE(a.Finish(sa, {}, p, fail, clock.Now()));
    // Wait until A's failure is in Redis, so B's is the second one.
    net::RedisEndpoint ep;
    ep.port = redis.port();
    auto conn = net::RedisConn::Open(ep, std::chrono::steady_clock::now() + 1s);
    REQUIRE(conn.ok());
    CHECK(WaitUntil([&] {
      std::vector<net::resp::Value> r;
      (*conn)->Exchange(net::resp::Command({"ZCARD", "unit:dep:fails"}), 1, &r, std::chrono::steady_clock::now() + 1s);
      return !r.empty() && r[0].num == 1;
    }, 1s));
    REQUIRE(b.TryAdmit(sb, {}, clock.Now(), false) == AdmitResult::kOpen);
    CHECK_FALSE(b.Finish(sb, {}, p, fail, clock.Now()));  // locally its first
    CHECK(WaitUntil([&] { return a.Routing(sa, {}, clock.Now()).cooling; }, 1s));
    CHECK(WaitUntil([&] { return b.Routing(sb, {}, clock.Now()).cooling; }, 1s));
  }

  SUBCASE("rpm admission is exact across instances") {
    Limits l;
    l.rpm = 5;
    int admitted = 0;
    for (int i = 0; i < 10; ++i) {
      RedisStateStore& s = i % 2 ? b : a;
      StateSlot& slot = i % 2 ? sb : sa;
      AdmitResult r = s.TryAdmit(slot, l, clock.Now(), false);
      if (r == AdmitResult::kOpen) {
        ++admitted;
        s.Abandon(slot, r);
      } else {
        CHECK(r == AdmitResult::kLimited);
      }
    }
    CHECK(admitted == 5);
    RoutingFacts f = a.Routing(sa, l, clock.Now());
    CHECK_FALSE(f.has_room);
    CHECK(f.room_in > Millis(50000));
  }

  SUBCASE("spend and cache entries") {
    a.AddSpend("team-x", "2026-12-06", 1.25);
    CHECK(WaitUntil([&] { return b.Spend("team-x", "2026-12-06") == 1.25; }, 2s));
    a.SharedPut("k1", "value one", Millis(60000));
    CHECK(WaitUntil([&] { return b.SharedGet("k1") == std::optional<std::string>("value one"); }, 2s));
    CHECK_FALSE(b.SharedGet("k2").has_value());
  }

  SUBCASE("Redis gone: local state decides at once, the store says degraded, and rejoins") {
    int port = redis.port();
    redis.Stop();
    CHECK(WaitUntil([&] { return !*a.BackendUp(); }, 3s));
    Limits l;
    l.rpm = 1000;
    auto t0 = std::chrono::steady_clock::now();
    AdmitResult r = a.TryAdmit(sa, l, clock.Now(), false);
    CHECK(std::chrono::steady_clock::now() - t0 < 20ms);
    CHECK(r == AdmitResult::kOpen);
    a.Abandon(sa, r);
    CHECK_FALSE(a.SharedGet("k1").has_value());
    RedisServer again(port);
    REQUIRE(again.ready());
    CHECK(WaitUntil([&] { return *a.BackendUp(); }, 5s));
  }
}

TEST_CASE("redis state: AUTH with the configured password; a wrong one is an error without it") {
  if (!RedisServer::Installed()) {
    MESSAGE("skipped: redis-server is not installed (Debian: apt-get install redis-server)");
    return;
  }
  RedisServer redis(FreePort(), "s3cret-pass");
  REQUIRE(redis.ready());
  net::RedisEndpoint ep;
  ep.port = redis.port();
  ep.password = "wrong-pass";
  auto bad = net::RedisConn::Open(ep, std::chrono::steady_clock::now() + 1s);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().find("WRONGPASS") != std::string::npos);
  CHECK(bad.error().find("wrong-pass") == std::string::npos);
  ep.password.clear();
  auto none = net::RedisConn::Open(ep, std::chrono::steady_clock::now() + 1s);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().find("NOAUTH") != std::string::npos);
  RedisStateStore::Options o = Opts(redis.port());
  o.endpoint.password = "s3cret-pass";
  RedisStateStore s(o, SystemClock());
  CHECK(WaitUntil([&] { return *s.BackendUp(); }, 5s));
}

TEST_CASE("redis state: with no Redis at all the store routes on local state") {
  Clock& clock = SystemClock();
  RedisStateStore s(Opts(FreePort()), clock);  // nothing listens there
  StateSlot& slot = s.Slot("dep");
  CHECK(s.BackendUp() == std::optional<bool>(false));
  CooldownPolicy p{0, Millis(60000), Millis(30000)};
  REQUIRE(s.TryAdmit(slot, {}, clock.Now(), false) == AdmitResult::kOpen);
  AttemptFacts fail;
  fail.kind = ErrorKind::kServerError;
  CHECK(s.Finish(slot, {}, p, fail, clock.Now()));
  CHECK(s.Routing(slot, {}, clock.Now()).cooling);
  s.AddSpend("t", "2026-12", 2.0);
  CHECK(s.Spend("t", "2026-12") == 2.0);
}

}  // namespace
}  // namespace detour
