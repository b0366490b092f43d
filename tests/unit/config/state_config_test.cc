// [state] (SPEC 9): memory by default; redis with a URL (redis:// or rediss://, user and
// password, db), a password from ${VAR} or its own key, and a prefix. Problems name the
// file, line and key and never quote the URL.
#include <doctest/doctest.h>

#include "config_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;
using config_test::LoadIssues;
using config_test::LoadOk;

TEST_CASE("state is in memory by default") {
  Config c = LoadOk("");
  CHECK(c.state.backend == "memory");
  CHECK(c.state.prefix == "detour:");
}

TEST_CASE("[state] redis: host, port, db, tls, credentials from the URL") {
  Config c = LoadOk("[state]\nbackend = \"redis\"\nurl = \"rediss://app:p%40ss@cache.internal:6380/2\"\nprefix = \"gw1:\"\n");
  CHECK(c.state.backend == "redis");
  CHECK(c.state.tls);
  CHECK(c.state.host == "cache.internal");
  CHECK(c.state.port == 6380);
  CHECK(c.state.db == 2);
  CHECK(c.state.username == "app");
  CHECK(c.state.password == "p@ss");
  CHECK(c.state.prefix == "gw1:");
}

TEST_CASE("[state] defaults: port 6379, db 0; IPv6 in brackets; the password key wins over the URL's") {
  Config c = LoadOk("[state]\nbackend = \"redis\"\nurl = \"redis://:${RPW}@[::1]\"\npassword = \"other\"\n",
                    FakeEnv({{"RPW", "from-env"}}));
  CHECK_FALSE(c.state.tls);
  CHECK(c.state.host == "::1");
  CHECK(c.state.port == 6379);
  CHECK(c.state.db == 0);
  CHECK(c.state.username.empty());
  CHECK(c.state.password == "other");
  Config d = LoadOk("[state]\nurl = \"redis://:${RPW}@127.0.0.1:7000\"\n", FakeEnv({{"RPW", "from-env"}}));
  CHECK(d.state.password == "from-env");
  CHECK(d.state.port == 7000);
}

TEST_CASE("[state] problems name the file, line and key, never the URL") {
  auto issues = LoadIssues(
      "[state]\nbackend = \"redus\"\nurl = \"http://u:secret@h:1\"\nprefix = \"a b\"\ncolor = 1\n");
  REQUIRE(issues.size() == 4);
  CHECK(issues[0].rfind("t.toml:2: state.backend: unknown state backend \"redus\"", 0) == 0);
  CHECK(issues[0].find("redis") != std::string::npos);
  CHECK(issues[1] == "t.toml:3: state.url: expected a redis:// or rediss:// URL, e.g. \"redis://127.0.0.1:6379/0\"");
  CHECK(issues[2] == "t.toml:4: state.prefix: prefix must not contain spaces or control characters");
  CHECK(issues[3].rfind("t.toml:5: state.color: unknown key", 0) == 0);
  auto port = LoadIssues("[state]\nurl = \"redis://:secret@h:99999/x\"\n");
  REQUIRE(port.size() == 1);
  CHECK(port[0] == "t.toml:2: state.url: the URL's port must be 1..65535");
  auto db = LoadIssues("[state]\nurl = \"redis://h/x\"\n");
  REQUIRE(db.size() == 1);
  CHECK(db[0] == "t.toml:2: state.url: the URL's path must be a database number, e.g. /0");
}

}  // namespace
}  // namespace detour
