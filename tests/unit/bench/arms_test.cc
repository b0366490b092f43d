// The three arms' configs over the simulator, and the group the traffic asks for.
#include <doctest/doctest.h>

#include "bench/arms.h"
#include "bench/demo_config.h"
#include "config/load.h"

namespace detour::bench {
namespace {

Config Demo() {
  auto c = LoadConfigText(DemoConfigText(), "demo", [](const std::string& v) -> std::optional<std::string> {
    return "real-" + v;  // would be a real key: must never survive into an arm
  });
  REQUIRE(c.ok());
  return *c;
}

std::string Url(const std::string& protocol, const std::string& id) {
  return "http://127.0.0.1:9/d/" + id + "/" + protocol;
}

TEST_CASE("every arm points every deployment at the simulator with a placeholder key and no extra headers") {
  Config user = Demo();
  user.deployments[0].headers = {{"OpenAI-Organization", "org-secret"}};
  user.cache.enabled = true;
  user.usage.log = "usage.jsonl";
  for (Arm arm : {Arm::kDirect, Arm::kRetries, Arm::kDetour}) {
    Config c = ArmConfig(user, arm, Url, nullptr);
    for (const auto& d : c.deployments) {
      CHECK(d.api_base == Url(SimProtocol(d), d.id));
      CHECK(d.api_key.find("real-") == std::string::npos);
      CHECK(d.headers.empty());
    }
    CHECK_FALSE(c.cache.enabled);
    CHECK(c.usage.log.empty());
  }
}

TEST_CASE("direct keeps each group's first deployment with no retries, fallbacks, cooldowns or repair") {
  Config c = ArmConfig(Demo(), Arm::kDirect, Url, nullptr);
  REQUIRE(c.deployments.size() == 5);
  CHECK(c.deployments[0].id == "openai-gpt-4o");
  CHECK(c.deployments[1].id == "azure-eastus-gpt-4o-mini");
  CHECK(c.router.fallbacks.empty());
  CHECK(c.router.num_retries == 0);
  for (const auto& r : c.router.retry_policy) CHECK(r == 0);
  CHECK(c.router.stream_resume == "off");
  CHECK(c.router.allowed_fails > 1000000);
}

TEST_CASE("retries keeps the config's retry policy on the same single deployment") {
  Config user = Demo();
  Config c = ArmConfig(user, Arm::kRetries, Url, nullptr);
  CHECK(c.deployments.size() == 5);
  CHECK(c.router.fallbacks.empty());
  CHECK(c.router.num_retries == user.router.num_retries);
  CHECK(c.router.retry_policy == user.router.retry_policy);
  CHECK(c.router.backoff.max == user.router.backoff.max);
}

TEST_CASE("detour keeps the whole config") {
  Config user = Demo();
  Config c = ArmConfig(user, Arm::kDetour, Url, nullptr);
  CHECK(c.deployments.size() == user.deployments.size());
  CHECK(c.router.fallbacks == user.router.fallbacks);
  CHECK(c.router.allowed_fails == user.router.allowed_fails);
}

TEST_CASE("protocols: openai-compatible is openai, vertex is gemini or anthropic, with a note") {
  Config user;
  DeploymentConfig a;
  a.id = "local";
  a.provider = "openai-compatible";
  DeploymentConfig v;
  v.id = "vx";
  v.provider = "vertex";
  v.model = "claude-sonnet-4-5";
  DeploymentConfig g = v;
  g.id = "vg";
  g.model = "gemini-2.5-pro";
  user.deployments = {a, v, g};
  std::vector<std::string> notes;
  Config c = ArmConfig(user, Arm::kDetour, Url, &notes);
  CHECK(c.deployments[0].api_base == Url("openai", "local"));
  CHECK(c.deployments[1].provider == "anthropic");
  CHECK(c.deployments[2].provider == "gemini");
  REQUIRE(notes.size() == 2);
  CHECK(notes[0] == "deployment vx: vertex is simulated as anthropic");
}

TEST_CASE("the traffic goes to the first group whose first deployment the trace hits") {
  Config c = Demo();
  Trace t;
  TraceFault f;
  f.target = {FaultTarget::Kind::kProvider, "anthropic"};
  t.faults = {f};
  CHECK(TrafficGroup(c, t, "") == "claude-sonnet");
  t.faults[0].target = {FaultTarget::Kind::kProvider, "azure"};
  CHECK(TrafficGroup(c, t, "") == "gpt-4o-mini");  // gpt-4o's first is OpenAI
  t.faults[0].target = {FaultTarget::Kind::kProvider, "openai"};
  CHECK(TrafficGroup(c, t, "") == "gpt-4o");
  t.faults[0].target = {FaultTarget::Kind::kDeployment, "gemini-flash"};
  CHECK(TrafficGroup(c, t, "") == "gemini-flash");
  t.faults[0].target = {FaultTarget::Kind::kModel, "nothing-uses-this"};
  CHECK(TrafficGroup(c, t, "") == "gpt-4o");  // the default group
  CHECK(TrafficGroup(c, t, "claude-sonnet") == "claude-sonnet");
}

}  // namespace
}  // namespace detour::bench
