// ProbeAll over real providers and real HTTP against the fake upstream on loopback:
// probes run in parallel, failures carry their kind, unset keys are skipped unprobed.
#include <doctest/doctest.h>

#include <chrono>

#include "check/probe_all.h"
#include "net/http_client.h"
#include "support/fake_upstream.h"

namespace detour::check {
namespace {

using testing::FakeScript;
using testing::FakeStep;
using testing::FakeUpstream;

DeploymentConfig Dep(const std::string& id, const std::string& base) {
  DeploymentConfig d;
  d.id = id;
  d.model_name = "g";
  d.provider = "openai-compatible";
  d.model = "m";
  d.api_base = base;
  return d;
}

TEST_CASE("ProbeAll: parallel probes, classified failures, skipped unset keys") {
  FakeStep slow = FakeStep::Reply(".");
  slow.delay_ms = 400;
  FakeUpstream fake(FakeScript()
                        .Route("/slow", {slow})
                        .Route("/auth", {FakeStep::Status(401, R"({"error":{"message":"no"}})")})
                        .Route("/hang", {FakeStep::Mode(testing::FakeMode::kSilent)}));
  REQUIRE(fake.Start() > 0);
  std::string base = fake.BaseUrl();
  std::vector<DeploymentConfig> deps;
  for (int i = 0; i < 4; ++i) deps.push_back(Dep("slow" + std::to_string(i), base + "/slow/v1"));
  deps.push_back(Dep("auth", base + "/auth/v1"));
  deps.push_back(Dep("hang", base + "/hang/v1"));
  deps.push_back(Dep("unset", base + "/slow/v1"));
  deps.back().missing_env = "NOPE_KEY";

  auto http = net::MakeHttpClient();
  auto t0 = std::chrono::steady_clock::now();
  auto r = ProbeAll(deps, Millis(800), *http, SystemClock());
  auto took = std::chrono::steady_clock::now() - t0;

  REQUIRE(r.size() == deps.size());
  for (int i = 0; i < 4; ++i) CHECK(r[i].status == ProbeStatus::kOk);
  CHECK(r[4].status == ProbeStatus::kFailed);
  CHECK(r[4].kind == "auth");
  CHECK(r[4].http_status == 401);
  CHECK(r[5].kind == "timeout");
  CHECK(r[6].status == ProbeStatus::kSkipped);
  CHECK(r[6].message.find("NOPE_KEY") != std::string::npos);
  CHECK(fake.Hits("/slow") == 4);  // the skipped one never reached the upstream
  // Four 400 ms probes and an 800 ms timeout in parallel: about the slowest, not the sum.
  CHECK(took < std::chrono::milliseconds(1800));
}

}  // namespace
}  // namespace detour::check
