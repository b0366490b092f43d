#include <doctest/doctest.h>

#include "cli/listen_address.h"

namespace detour {
namespace {

TEST_CASE("listen addresses: host:port, [v6]:port, :port; loopback detection; errors") {
  auto a = ParseListenAddress("127.0.0.1:4000");
  REQUIRE(a.ok());
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 4000);
  CHECK(a->loopback);
  CHECK(ParseListenAddress("localhost:1")->loopback);
  CHECK(ParseListenAddress("[::1]:8080")->host == "::1");
  CHECK(ParseListenAddress("[::1]:8080")->loopback);
  CHECK(ParseListenAddress(":9000")->host == "127.0.0.1");
  CHECK_FALSE(ParseListenAddress("0.0.0.0:4000")->loopback);
  CHECK_FALSE(ParseListenAddress("10.0.0.5:4000")->loopback);
  CHECK_FALSE(ParseListenAddress("4000").ok());
  CHECK_FALSE(ParseListenAddress("host:port").ok());
  CHECK_FALSE(ParseListenAddress("host:70000").ok());
}

}  // namespace
}  // namespace detour
