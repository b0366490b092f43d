// Kinds with their own rules (SPEC 3.1, 3.2): context window and content policy go only to
// their dedicated fallbacks; auth falls back and cools the deployment down.
#include "router_harness.h"

namespace detour::router_test {
namespace {

std::string Config(const std::string& extra) {
  return PrimaryBackup("num_retries = 2", R"(
[[deployments]]
id = "long"
model_name = "long-context"
provider = "openai-compatible"
model = "m-long"
api_base = "{BASE}/long/v1"
)" + extra);
}

const char* kContextBody =
    R"({"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})";
const char* kPolicyBody =
    R"({"error":{"message":"Your request was rejected as a result of our safety system.","type":"invalid_request_error","param":null,"code":"content_policy_violation"}})";

FakeScript Script(const char* primary_body, int status = 400) {
  FakeScript s;
  s.Route("/a", {Error(status, primary_body)});
  s.Route("/b", {FakeStep::Reply("backup")});
  s.Route("/long", {FakeStep::Reply("long context answer")});
  return s;
}

TEST_CASE("context_length_exceeded: one attempt, then context_window_fallbacks only") {
  Harness h(Script(kContextBody), Config("[router.context_window_fallbacks]\nprimary = [\"long-context\"]\n"));
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "long");
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/long") == 1);
  CHECK(h.Hits("/b") == 0);
  CHECK_FALSE(h.Cooling("a"));
}

TEST_CASE("context_length_exceeded without context_window_fallbacks: a clean 400, nothing else tried") {
  Harness h(Script(kContextBody), Config(""));
  auto r = h.Complete("primary");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 400);
  CHECK(r.error().error.kind == ErrorKind::kContextWindow);
  CHECK(r.error().error.code == "context_length_exceeded");
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("content policy: one attempt, no generic fallback") {
  Harness h(Script(kPolicyBody), Config(""));
  auto r = h.Complete("primary");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().status == 400);
  CHECK(r.error().error.kind == ErrorKind::kContentPolicy);
  CHECK(h.Hits("/a") == 1);
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("content policy with content_policy_fallbacks goes there only") {
  Harness h(Script(kPolicyBody), Config("[router.content_policy_fallbacks]\nprimary = [\"long-context\"]\n"));
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "long");
  CHECK(h.Hits("/b") == 0);
}

TEST_CASE("401: no retry, falls back, and the deployment cools down") {
  Harness h(Script(R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}})", 401),
            Config(""));
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(h.Hits("/a") == 1);
  CHECK(r->route.attempts[0].kind == ErrorKind::kAuth);
  CHECK(h.Cooling("a"));
  REQUIRE(h.Complete("primary").ok());
  CHECK(h.Hits("/a") == 1);  // cooling: the next request goes straight to the fallback
  CHECK(h.Hits("/b") == 2);
}

TEST_CASE("insufficient_quota (429) is auth: no retry, fallback") {
  Harness h(Script(R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}})", 429),
            Config(""));
  auto r = h.Complete("primary");
  REQUIRE(r.ok());
  CHECK(r->route.attempts[0].kind == ErrorKind::kAuth);
  CHECK(h.Hits("/a") == 1);
}

TEST_CASE("a provider this build does not support: the deployment is skipped with the reason, never called") {
  FakeScript s;
  s.Route("/b", {FakeStep::Reply("backup")});
  // A build without the anthropic provider: the registry knows it, this factory does not.
  RouteTable::ProviderFactory without_anthropic = [](const DeploymentConfig& d, net::HttpClient& http,
                                                     Clock& clock) -> std::unique_ptr<Provider> {
    return d.provider == "anthropic" ? nullptr : MakeProvider(d, http, clock);
  };
  Harness h(s, R"(
[router.fallbacks]
claude = ["backup"]
[[deployments]]
id = "claude"
model_name = "claude"
provider = "anthropic"
model = "claude-sonnet-4-6"
api_key = "test-anthropic-key"
api_base = "{BASE}/anthropic"
[[deployments]]
id = "b"
model_name = "backup"
provider = "openai-compatible"
model = "m-b"
api_base = "{BASE}/b/v1"
)", SystemClock(), 42, without_anthropic);
  auto r = h.Complete("claude");
  REQUIRE(r.ok());
  CHECK(r->route.deployment == "b");
  CHECK(r->route.attempts.size() == 1);
  ChatRequest pinned = Harness::Ask("claude");
  pinned.overrides.fallbacks = std::vector<std::string>{};
  auto alone = h.router->Complete(pinned);
  REQUIRE_FALSE(alone.ok());
  CHECK(alone.error().status == 503);
  CHECK(alone.error().error.message.find("provider \"anthropic\" is not supported by this build") != std::string::npos);
  CHECK(h.fake.Requests().size() == 1);
}

}  // namespace
}  // namespace detour::router_test
