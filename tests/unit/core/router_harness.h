// The routing core against real HTTP: a FakeUpstream on loopback, the production
// HttpClient and providers, and a Router built from TOML through the real config loader.
// In the TOML, {BASE} stands for the fake's base URL ("http://127.0.0.1:PORT").
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "config/load.h"
#include "core/memory_state_store.h"
#include "core/prober.h"
#include "core/router.h"
#include "net/http_client.h"
#include "support/fake_upstream.h"

namespace detour::router_test {

using testing::FakeMode;
using testing::FakeScript;
using testing::FakeStep;

inline std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

inline FakeStep Error(int status, const std::string& json_body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  FakeStep s = FakeStep::Status(status, json_body);
  s.headers = std::move(headers);
  s.headers.emplace_back("content-type", "application/json");
  return s;
}

inline FakeStep Silent() { return FakeStep::Mode(FakeMode::kSilent); }

// The common shape: group "primary" (deployment "a" at /a) falls back to group "backup"
// (deployment "b" at /b). `router` goes into [router]; `more` is appended (extra tables
// or deployments).
inline std::string PrimaryBackup(const std::string& router, const std::string& more = "") {
  return "[router]\nbackoff = { base = \"10ms\", max = \"40ms\" }\n" + router + R"(
[router.fallbacks]
primary = ["backup"]

[[deployments]]
id = "a"
model_name = "primary"
provider = "openai-compatible"
model = "m-a"
api_base = "{BASE}/a/v1"

[[deployments]]
id = "b"
model_name = "backup"
provider = "openai-compatible"
model = "m-b"
api_base = "{BASE}/b/v1"
)" + more + "\n";
}

struct Harness {
  testing::FakeUpstream fake;
  std::unique_ptr<net::HttpClient> http = net::MakeHttpClient();
  std::shared_ptr<MemoryStateStore> store = std::make_shared<MemoryStateStore>();
  Clock& clock;
  std::unique_ptr<Router> router;

  // A fixed seed: the balancer's and the backoff's random choices repeat run to run.
  // `make` replaces the provider registry (e.g. to leave a provider out of "this build").
  Harness(FakeScript script, const std::string& toml, Clock& clock = SystemClock(), uint64_t seed = 42,
          RouteTable::ProviderFactory make = {})
      : fake(std::move(script)), clock(clock) {
    REQUIRE(fake.Start() > 0);
    auto cfg = LoadConfigText(Replace(toml, "{BASE}", fake.BaseUrl()), "router_test.toml",
                              [](const std::string&) { return std::nullopt; });
    if (!cfg.ok())
      for (const auto& i : cfg.error().issues) FAIL(i.ToString());
    router = std::make_unique<Router>(RouteTable::Build(std::move(cfg.value()), *http, *store, clock, make),
                                      store, clock, seed);
  }

  static ChatRequest Ask(const std::string& model) {
    ChatRequest r;
    r.model = model;
    r.body = {{"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}};
    return r;
  }

  Expected<CompletionResult, RouteFailure> Complete(const std::string& model) {
    return router->Complete(Ask(model));
  }
  Expected<CompletionResult, RouteFailure> Complete(const ChatRequest& req) { return router->Complete(req); }

  bool Cooling(const std::string& deployment_id) {
    return store->Routing(store->Slot(deployment_id), {}, clock.Now()).cooling;
  }
  int InFlight(const std::string& deployment_id) {
    return store->Health(store->Slot(deployment_id), clock.Now()).in_flight;
  }

  int Hits(const std::string& prefix) const { return fake.Hits(prefix); }
  // Milliseconds between the i-th and j-th recorded requests.
  double Gap(size_t i, size_t j) const {
    auto reqs = fake.Requests();
    REQUIRE(reqs.size() > std::max(i, j));
    return reqs[j].time_ms - reqs[i].time_ms;
  }
};

// Collects a stream's chunks; counts commits.
struct Collector : StreamConsumer {
  std::string text;
  int commits = 0;
  int role_chunks = 0;
  RouteInfo committed_route;
  bool OnCommit(const RouteInfo& r) override {
    commits++;
    committed_route = r;
    return true;
  }
  bool OnChunk(StreamChunk& c) override {
    const auto& choices = ChunkJson(c).value("choices", Json::array());
    if (choices.empty()) return true;
    const auto& delta = choices[0].value("delta", Json::object());
    if (delta.contains("role")) role_chunks++;
    if (delta.contains("content") && delta["content"].is_string()) text += delta["content"].get<std::string>();
    return true;
  }
};

inline double MillisSince(TimePoint t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

}  // namespace detour::router_test
