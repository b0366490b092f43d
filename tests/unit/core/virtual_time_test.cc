// Routing behaviour in virtual time (FakeClock): cooldowns, half-open doubling, backoff
// and Retry-After decided on the injected clock, so minutes of policy run in
// milliseconds. Providers here are in-process scripts (no HTTP), built through the route
// table's provider factory.
#include <doctest/doctest.h>

#include <deque>
#include <stdexcept>

#include "config/load.h"
#include "core/memory_state_store.h"
#include "core/router.h"
#include "net/http_client.h"

namespace detour {
namespace {

using std::chrono::seconds;

// Answers from a script shared by every deployment: per deployment id a queue of
// outcomes (the last repeats); records when (on the clock) each attempt came.
struct Script {
  std::map<std::string, std::deque<std::function<Result<ChatResponse>()>>> steps;
  std::vector<std::pair<std::string, TimePoint>> calls;
  Clock* clock = nullptr;
};

Result<ChatResponse> Ok() {
  ChatResponse r;
  r.body = {{"choices", Json::array({{{"message", {{"content", "ok"}}}}})}};
  return r;
}

std::function<Result<ChatResponse>()> Fails(ErrorKind kind, int status, std::optional<double> retry_after = {}) {
  return [=]() -> Result<ChatResponse> {
    Error e = MakeError(kind, "scripted", status);
    e.retry_after_s = retry_after;
    return Fail(e);
  };
}

class ScriptedProvider final : public Provider {
 public:
  ScriptedProvider(std::string id, Script& s) : id_(std::move(id)), s_(s) {}
  Result<ChatResponse> Complete(const ChatRequest&, const AttemptLimits&) override {
    s_.calls.emplace_back(id_, s_.clock->Now());
    auto& q = s_.steps[id_];
    REQUIRE_FALSE(q.empty());
    auto step = q.front();
    if (q.size() > 1) q.pop_front();
    return step();
  }
  Result<StreamEnd> Stream(const ChatRequest&, const AttemptLimits&, const ChunkSink&) override {
    return Fail(MakeError(ErrorKind::kServerError, "not scripted"));
  }
  Result<EmbeddingResponse> Embed(const EmbeddingRequest&, const AttemptLimits&) override {
    return Fail(MakeError(ErrorKind::kUnavailable, "not scripted"));
  }
  Result<ProbeReport> Probe(const AttemptLimits& l) override {
    auto r = Complete(ChatRequest{}, l);
    if (!r) return Fail(r.error());
    return ProbeReport{200, Millis(0), "chat"};
  }

 private:
  std::string id_;
  Script& s_;
};

class ThrowingProvider final : public Provider {
 public:
  Result<ChatResponse> Complete(const ChatRequest&, const AttemptLimits&) override {
    throw std::runtime_error("provider bug");
  }
  Result<StreamEnd> Stream(const ChatRequest&, const AttemptLimits&, const ChunkSink&) override {
    throw std::runtime_error("provider bug");
  }
  Result<ProbeReport> Probe(const AttemptLimits&) override { throw std::runtime_error("provider bug"); }
  Result<EmbeddingResponse> Embed(const EmbeddingRequest&, const AttemptLimits&) override {
    throw std::runtime_error("provider bug");
  }
};

std::string Deployments(const std::string& router) {
  return "[router]\n" + router + R"(
[router.fallbacks]
primary = ["backup"]
[[deployments]]
id = "a"
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "b"
model_name = "backup"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
)";
}

struct VirtualRouter {
  FakeClock clock;
  Script script;
  std::unique_ptr<net::HttpClient> http = net::MakeHttpClient();
  std::shared_ptr<MemoryStateStore> store = std::make_shared<MemoryStateStore>();
  std::unique_ptr<Router> router;

  VirtualRouter(const std::string& router_toml, RouteTable::ProviderFactory make = {}) {
    script.clock = &clock;
    auto cfg = LoadConfigText(Deployments(router_toml), "virtual.toml",
                              [](const std::string&) { return std::nullopt; });
    REQUIRE(cfg.ok());
    if (!make)
      make = [this](const DeploymentConfig& d, net::HttpClient&, Clock&) -> std::unique_ptr<Provider> {
        return std::make_unique<ScriptedProvider>(d.id, script);
      };
    router = std::make_unique<Router>(RouteTable::Build(std::move(cfg.value()), *http, *store, clock, make),
                                      store, clock, 1);
  }
  std::string Ask() {
    ChatRequest r;
    r.model = "primary";
    auto out = router->Complete(r);
    return out.ok() ? out->route.deployment : "fail:" + std::to_string(out.error().status);
  }
  bool Cooling(const std::string& id) { return store->Routing(store->Slot(id), {}, clock.Now()).cooling; }
  double Since(size_t i, size_t j) {
    return std::chrono::duration<double>(script.calls[j].second - script.calls[i].second).count();
  }
};

TEST_CASE("virtual time: Retry-After is slept on the clock, exactly, then the same deployment answers") {
  VirtualRouter v("num_retries = 2");
  v.script.steps["a"] = {Fails(ErrorKind::kRateLimit, 429, 7.0), [] { return Ok(); }};
  auto real_start = SteadyClock::now();
  CHECK(v.Ask() == "a");
  CHECK(v.Since(0, 1) == doctest::Approx(7.0));
  CHECK(v.clock.slept() == seconds(7));
  CHECK(SteadyClock::now() - real_start < seconds(2));  // 7 s of policy, no real wait
}

TEST_CASE("virtual time: backoff is full jitter under base * 2^n, capped at max, and repeats with the seed") {
  auto run = [] {
    VirtualRouter v("num_retries = 4\nallowed_fails = 10\nbackoff = { base = \"1s\", max = \"4s\" }");
    v.script.steps["a"] = {Fails(ErrorKind::kServerError, 503)};
    v.script.steps["b"] = {[] { return Ok(); }};
    CHECK(v.Ask() == "b");
    std::vector<double> gaps;
    for (size_t i = 0; i + 1 < 5; ++i) gaps.push_back(v.Since(i, i + 1));
    return gaps;
  };
  auto gaps = run();
  REQUIRE(gaps.size() == 4);
  CHECK(gaps[0] <= 1.0);
  CHECK(gaps[1] <= 2.0);
  CHECK(gaps[2] <= 4.0);
  CHECK(gaps[3] <= 4.0);  // capped at backoff.max
  CHECK(run() == gaps);   // same seed, same jitter
}

TEST_CASE("virtual time: allowed_fails inside cooldown_window, cooldown, half-open doubling up to 8x") {
  VirtualRouter v("num_retries = 0\nallowed_fails = 1\ncooldown_window = \"60s\"\ncooldown = \"10s\"");
  v.script.steps["a"] = {Fails(ErrorKind::kServerError, 500)};
  v.script.steps["b"] = {[] { return Ok(); }};
  CHECK(v.Ask() == "b");  // a: 1st failure, allowed
  CHECK_FALSE(v.Cooling("a"));
  v.clock.Advance(seconds(61));  // outside the window: the count starts again
  CHECK(v.Ask() == "b");
  CHECK_FALSE(v.Cooling("a"));
  CHECK(v.Ask() == "b");  // 2nd failure inside the window: cools for 10 s
  CHECK(v.Cooling("a"));
  v.clock.Advance(seconds(9));
  CHECK(v.Ask() == "b");
  CHECK(v.script.calls.size() == 7);  // the last request did not ask a: it cools
  v.clock.Advance(seconds(1));         // the 10 s cooldown is over: a is half-open
  // Each failed half-open request doubles the cooldown: 20, 40, 80, then 80 (8x cap).
  for (int next : {20, 40, 80, 80}) {
    CHECK_FALSE(v.Cooling("a"));
    CHECK(v.Ask() == "b");  // a took the half-open turn, failed, and reopened
    CHECK(v.Cooling("a"));
    v.clock.Advance(seconds(next) - Millis(1));
    CHECK(v.Cooling("a"));
    v.clock.Advance(Millis(1));
  }
  // A success closes the circuit and resets the multiplier.
  v.script.steps["a"] = {[] { return Ok(); }};
  CHECK(v.Ask() == "a");
  v.script.steps["a"] = {Fails(ErrorKind::kServerError, 500)};
  CHECK(v.Ask() == "b");
  CHECK(v.Ask() == "b");  // two failures again (allowed_fails = 1): cools for 10 s, not 80
  v.clock.Advance(seconds(10));
  CHECK_FALSE(v.Cooling("a"));
}

TEST_CASE("an attempt that throws releases its in-flight count and its half-open turn") {
  RouteTable::ProviderFactory throwing = [](const DeploymentConfig&, net::HttpClient&, Clock&) {
    return std::make_unique<ThrowingProvider>();
  };
  VirtualRouter v("num_retries = 0\ncooldown = \"10s\"", throwing);
  StateSlot& a = v.store->Slot("a");
  // Cool a down through the store, then let the cooldown end: the next request is the probe.
  REQUIRE(v.store->TryAdmit(a, {}, v.clock.Now(), false) == AdmitResult::kOpen);
  AttemptFacts failed;
  failed.kind = ErrorKind::kAuth;
  v.store->Finish(a, {}, CooldownPolicy{}, failed, v.clock.Now());
  REQUIRE(v.Cooling("a"));
  v.clock.Advance(seconds(31));
  REQUIRE_FALSE(v.Cooling("a"));

  ChatRequest r;
  r.model = "primary";
  CHECK_THROWS_AS((void)v.router->Complete(r), std::runtime_error);
  HealthFacts h = v.store->Health(a, v.clock.Now());
  CHECK(h.in_flight == 0);
  // The half-open turn came back: a is not stuck "cooling" and the next request may probe it.
  CHECK_FALSE(v.Cooling("a"));
  CHECK(v.store->TryAdmit(a, {}, v.clock.Now(), false) == AdmitResult::kProbe);
}

}  // namespace
}  // namespace detour
