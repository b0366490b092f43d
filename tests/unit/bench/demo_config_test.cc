// The built-in demo config is examples/detour.toml verbatim, and loads without a key.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "bench/demo_config.h"
#include "config/load.h"

namespace detour::bench {
namespace {

TEST_CASE("the demo config is examples/detour.toml, byte for byte") {
  std::ifstream in(std::string(DETOUR_SOURCE_DIR) + "/examples/detour.toml", std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == DemoConfigText());
}

TEST_CASE("the demo config loads with no environment and has a cross-vendor fallback for every group") {
  auto c = LoadConfigText(DemoConfigText(), "demo", [](const std::string&) { return std::optional<std::string>(); });
  if (!c.ok()) for (const auto& i : c.error().issues) MESSAGE(i.ToString());
  REQUIRE(c.ok());
  for (const auto& g : c->GroupNames()) {
    if (g == "claude-haiku") continue;  // the last resort
    INFO(g);
    CHECK(c->router.fallbacks.count(g) == 1);
  }
  CHECK(c->router.default_model == "gpt-4o");
}

}  // namespace
}  // namespace detour::bench
