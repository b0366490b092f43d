// [telemetry] (SPEC 9): off by default, an http(s) endpoint, a service name.
#include <doctest/doctest.h>

#include "config_test_util.h"

namespace detour {
namespace {

using config_test::LoadIssues;
using config_test::LoadOk;

TEST_CASE("telemetry is off by default") {
  Config c = LoadOk("");
  CHECK(c.telemetry.otlp_endpoint.empty());
  CHECK(c.telemetry.service_name == "detour");
}

TEST_CASE("[telemetry] reads the endpoint (trailing slash dropped) and the service name") {
  Config c = LoadOk("[telemetry]\notlp_endpoint = \"http://127.0.0.1:4318/\"\nservice_name = \"gw-eu\"\n");
  CHECK(c.telemetry.otlp_endpoint == "http://127.0.0.1:4318");
  CHECK(c.telemetry.service_name == "gw-eu");
}

TEST_CASE("[telemetry] problems name the file, line and key") {
  auto issues = LoadIssues("[telemetry]\notlp_endpoint = \"127.0.0.1:4318\"\nservice_name = \"\"\nsample = 1\n");
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].rfind("t.toml:2: telemetry.otlp_endpoint: expected an http:// or https:// URL", 0) == 0);
  CHECK(issues[1] == "t.toml:3: telemetry.service_name: service_name must not be empty");
  CHECK(issues[2].rfind("t.toml:4: telemetry.sample: unknown key", 0) == 0);
}

}  // namespace
}  // namespace detour
