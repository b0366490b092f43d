// The walk's decision step (SPEC 3.2) alone: every rule as a row of a table, run against
// a table of deployment facts in virtual time. No HTTP, no sleeping: each row is one
// question ("what now?") and one expected answer.
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "config/load.h"
#include "core/memory_state_store.h"
#include "core/walk_decide.h"
#include "net/http_client.h"

namespace detour {
namespace {

using Do = Decision::Do;
using std::chrono::seconds;

// Groups: primary (a1, a2) -> backup (b); solo (x) -> backup; context window: primary -> long.
// Pre-flight (context_window): short (s1: 1000 tokens, s2: 100000) -> long on context
// window; tiny (t: 1000) -> backup, no context_window_fallbacks.
constexpr const char* kConfig = R"(
[router]
num_retries = 2
max_retry_after = "10s"
backoff = { base = "100ms", max = "1s" }
[router.retry_policy]
timeout = 1
[router.fallbacks]
primary = ["backup"]
solo = ["backup"]
tiny = ["backup"]
[router.context_window_fallbacks]
primary = ["long"]
short = ["long"]
[[deployments]]
id = "a1"
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "a2"
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "x"
model_name = "solo"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "b"
model_name = "backup"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "l"
model_name = "long"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "s1"
model_name = "short"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
context_window = 1000
[[deployments]]
id = "s2"
model_name = "short"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
context_window = 100000
[[deployments]]
id = "t"
model_name = "tiny"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
context_window = 1000
[[deployments]]
id = "nokey"
model_name = "keyless"
provider = "openai"
model = "m"
api_key = "${DETOUR_TEST_UNSET_KEY}"
)";

class TableFacts final : public WalkFacts {
 public:
  std::map<std::string, RoutingFacts> by_id;
  RoutingFacts Of(const Deployment& d) const override {
    auto it = by_id.find(d.cfg.id);
    return it == by_id.end() ? RoutingFacts{} : it->second;
  }
};

// One question to the decision step: a walk in some state, and what just happened.
struct Scenario {
  std::unique_ptr<net::HttpClient> http = net::MakeHttpClient();
  MemoryStateStore store;
  FakeClock clock;
  std::shared_ptr<const RouteTable> table;
  WalkRules rules;
  WalkLedger ledger;
  TableFacts facts;
  TimePoint now = clock.Now();
  std::optional<AttemptOutcome> last;

  explicit Scenario(const std::string& start = "primary") {
    auto cfg = LoadConfigText(kConfig, "decide.toml", [](const std::string&) { return std::nullopt; });
    REQUIRE(cfg.ok());
    table = RouteTable::Build(std::move(cfg.value()), *http, store, clock);
    rules.table = table.get();
    rules.deadline = now + seconds(120);
    const Group* g = table->FindGroup(start);
    ledger.group = g;
    ledger.chain = g->fallbacks;
    ledger.visited.insert(start);
    ledger.walked.push_back(g);
    ledger.route.requested = start;
  }

  const Deployment* Dep(const std::string& id) const {
    for (const auto& d : table->deployments())
      if (d->cfg.id == id) return d.get();
    FAIL("no deployment " << id);
    return nullptr;
  }

  // `id` just failed with `kind` (recorded in the ledger as the executor would).
  Scenario& Failed(const std::string& id, ErrorKind kind, std::optional<double> retry_after = {},
                   int status = 0, bool committed = false) {
    const Deployment* d = Dep(id);
    AttemptRecord rec;
    rec.deployment = id;
    rec.kind = kind;
    rec.status = status;
    rec.retry_after_s = retry_after;
    ledger.route.attempts.push_back(rec);
    ledger.failed.insert(d);
    if (kind == ErrorKind::kTimeout || kind == ErrorKind::kConnection) ledger.silent.insert(d);
    ledger.last_tried = d;
    ledger.retrying = true;
    Error e = MakeError(kind, "failed", status);
    e.retry_after_s = retry_after;
    ledger.last_error = e;
    if (committed || ledger.committed_failure) {
      ledger.committed_failure = true;
      ledger.done.insert(d);
    }
    AttemptOutcome out;
    out.error = e;
    out.committed = committed;
    last = out;
    // A rate limit with Retry-After cools the deployment for that long (core/cooldown.h).
    if (kind == ErrorKind::kRateLimit && retry_after)
      Cooling(id, Millis(static_cast<int64_t>(*retry_after * 1000)));
    return *this;
  }
  // The executor carried out a kSkip of `id` (core/walk.cc Walk::Skip).
  Scenario& Skipped(const std::string& id) {
    const Deployment* d = Dep(id);
    AttemptRecord rec;
    rec.deployment = id;
    rec.kind = ErrorKind::kContextWindow;
    rec.skipped = true;
    ledger.route.attempts.push_back(rec);
    ledger.too_small.insert(d);
    ledger.done.insert(d);
    if (!ledger.last_error) ledger.last_error = MakeError(ErrorKind::kContextWindow, "skipped", 400);
    return *this;
  }
  Scenario& Cooling(const std::string& id, Millis left) {
    facts.by_id[id].cooling = true;
    facts.by_id[id].cooling_until = now + left;
    return *this;
  }
  Scenario& Full(const std::string& id, Millis room_in) {
    facts.by_id[id].has_room = false;
    facts.by_id[id].room_in = room_in;
    return *this;
  }
  Scenario& Spent(ErrorKind kind, int retries) {
    ledger.retries_used[static_cast<int>(kind)] = retries;
    return *this;
  }

  Decision Decide(uint64_t seed = 7) {
    Rng rng(seed);
    return detour::Decide(rules, ledger, last ? &*last : nullptr, facts, now, rng);
  }
};

struct Expect {
  Do action;
  std::string dep = "";                 // kAttempt
  std::optional<Millis> sleep = {};     // kSleep: exactly this long
  std::optional<Millis> sleep_max = {}; // kSleep: at most this long (jittered backoff)
  std::string next = "";                // kNextGroup
  int status = 0;                       // kFail
  std::optional<int> retry_after = {};  // kFail
};

struct Row {
  const char* rule;
  std::function<void(Scenario&)> setup;
  Expect expect;
  std::string start = "primary";
};

void Check(const Row& row) {
  Scenario s(row.start);
  row.setup(s);
  Decision d = s.Decide();
  INFO(row.rule);
  REQUIRE(d.action == row.expect.action);
  switch (d.action) {
    case Do::kAttempt:
    case Do::kSkip:
      CHECK(d.dep->cfg.id == row.expect.dep);
      break;
    case Do::kSleep:
      if (row.expect.sleep) CHECK(d.until - s.now == *row.expect.sleep);
      if (row.expect.sleep_max) CHECK(d.until - s.now <= *row.expect.sleep_max);
      break;
    case Do::kNextGroup:
      CHECK(d.next->name == row.expect.next);
      break;
    case Do::kFail:
      CHECK(d.failure.status == row.expect.status);
      if (row.expect.retry_after) CHECK(d.failure.retry_after_s == row.expect.retry_after);
      break;
    case Do::kSucceed:
      break;
  }
}

const Row kRows[] = {
    // Step 1: pick among usable, not cooling, under rpm/tpm, not failed while another remains.
    {"1: a cooling deployment is not picked", [](Scenario& s) { s.Cooling("a1", Millis(5000)); },
     {Do::kAttempt, "a2"}},
    {"1: a deployment at its rpm/tpm limit is not picked", [](Scenario& s) { s.Full("a2", Millis(3000)); },
     {Do::kAttempt, "a1"}},
    {"1: a deployment without a usable key is never picked; its group is skipped",
     [](Scenario& s) { s.ledger.chain = {"backup"}; }, {Do::kNextGroup, "", {}, {}, "backup"}, "keyless"},
    {"1: a deployment that failed in this request is not picked while another remains",
     [](Scenario& s) {
       s.Failed("a1", ErrorKind::kServerError);
       s.last.reset();
     },
     {Do::kAttempt, "a2"}},
    {"1: a failed (not silent) deployment is picked again when nothing fresh is left",
     [](Scenario& s) {
       s.Failed("a1", ErrorKind::kServerError).Failed("a2", ErrorKind::kServerError);
       s.Cooling("a2", Millis(60000));
       s.last.reset();
     },
     {Do::kAttempt, "a1"}},
    // Step 2: retries by kind, backoff, Retry-After.
    {"2: a retryable failure with budget left sleeps a jittered backoff (at most base)",
     [](Scenario& s) { s.Failed("a1", ErrorKind::kServerError); },
     {Do::kSleep, "", {}, Millis(100)}},
    {"2: the backoff cap doubles with each retry, up to backoff.max",
     [](Scenario& s) {
       s.Failed("a1", ErrorKind::kServerError);
       s.ledger.retry_index = 5;
     },
     {Do::kSleep, "", {}, Millis(1000)}},
    {"2: Retry-After within max_retry_after is slept in full when no other deployment is ready",
     [](Scenario& s) { s.Failed("x", ErrorKind::kRateLimit, 2.0, 429); },
     {Do::kSleep, "", Millis(2000)}, "solo"},
    {"2: Retry-After binds its deployment: a retry that can go to another one only backs off",
     [](Scenario& s) { s.Failed("a1", ErrorKind::kRateLimit, 2.0, 429); },
     {Do::kSleep, "", {}, Millis(100)}},
    {"2: Retry-After longer than max_retry_after moves on at once",
     [](Scenario& s) { s.Failed("x", ErrorKind::kRateLimit, 30.0, 429); },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"2: the kind's budget spent: the group is exhausted",
     [](Scenario& s) { s.Failed("x", ErrorKind::kServerError).Spent(ErrorKind::kServerError, 2); },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"2: the budget is per kind: another kind's retries do not count",
     [](Scenario& s) { s.Failed("x", ErrorKind::kServerError).Spent(ErrorKind::kRateLimit, 2); },
     {Do::kSleep, "", {}, Millis(100)}, "solo"},
    {"2: retry_policy narrows one kind (timeout = 1)",
     [](Scenario& s) {
       s.Failed("a1", ErrorKind::kTimeout).Spent(ErrorKind::kTimeout, 1);
     },
     {Do::kNextGroup, "", {}, {}, "backup"}},
    {"2: a request's num_retries narrows every budget",
     [](Scenario& s) {
       s.rules.request_num_retries = 0;
       s.Failed("x", ErrorKind::kServerError);
     },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"2: a retry prefers a different deployment of the group",
     [](Scenario& s) {
       s.Failed("a1", ErrorKind::kServerError);
       s.last.reset();  // after the backoff: pick again
     },
     {Do::kAttempt, "a2"}},
    {"2: a retry waits for a cooling member whose cooldown ends within max_retry_after",
     [](Scenario& s) {
       s.Failed("x", ErrorKind::kServerError);
       s.Cooling("x", Millis(4000));
       s.last.reset();
     },
     {Do::kSleep, "", Millis(4000)}, "solo"},
    {"2: ... but not for one whose cooldown ends later: the walk moves on",
     [](Scenario& s) {
       s.Failed("x", ErrorKind::kServerError);
       s.Cooling("x", Millis(30000));
       s.last.reset();
     },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"2: a silent failure (timeout) is not re-sent while the chain has something else",
     [](Scenario& s) { s.Failed("x", ErrorKind::kTimeout); },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"2: no re-send covers connection failures too",
     [](Scenario& s) { s.Failed("x", ErrorKind::kConnection); },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"8: a deployment alone in the chain that failed with connection is retried",
     [](Scenario& s) {
       s.ledger.chain.clear();
       s.Failed("x", ErrorKind::kConnection);
     },
     {Do::kSleep, "", {}, Millis(100)}, "solo"},
    // Step 3: group exhausted -> next group; bad_request ends the walk.
    {"3: the next group of the chain, skipping groups already walked and unknown ones",
     [](Scenario& s) {
       s.ledger.chain = {"solo", "nope", "backup"};
       s.Failed("x", ErrorKind::kAuth, {}, 401);
     },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"3: bad_request ends the walk at once with the caller's error",
     [](Scenario& s) { s.Failed("a1", ErrorKind::kBadRequest, {}, 422); },
     {Do::kFail, "", {}, {}, "", 422}},
    {"3: context_window goes only to context_window_fallbacks",
     [](Scenario& s) { s.Failed("a1", ErrorKind::kContextWindow, {}, 400); },
     {Do::kNextGroup, "", {}, {}, "long"}},
    {"3: content_policy with no content_policy_fallbacks: the provider's 400",
     [](Scenario& s) { s.Failed("a1", ErrorKind::kContentPolicy, {}, 400); },
     {Do::kFail, "", {}, {}, "", 400}},
    {"3: a canceled request is never retried", [](Scenario& s) { s.Failed("a1", ErrorKind::kCanceled); },
     {Do::kFail, "", {}, {}, "", 499}},
    // Step 4: the request deadline.
    {"4: no sleep is started that would end past request_timeout",
     [](Scenario& s) {
       s.rules.deadline = s.now + Millis(1500);
       s.Failed("x", ErrorKind::kRateLimit, 2.0, 429);
     },
     {Do::kNextGroup, "", {}, {}, "backup"}, "solo"},
    {"4: past the deadline nothing more is attempted",
     [](Scenario& s) { s.rules.deadline = s.now; }, {Do::kFail, "", {}, {}, "", 504}},
    // Step 5: everything cooling -> the one whose cooldown ends first, once.
    {"5: the forced deployment is attempted despite its cooldown",
     [](Scenario& s) {
       s.Cooling("a1", Millis(9000)).Cooling("a2", Millis(8000));
       s.ledger.forced = s.Dep("a2");
     },
     {Do::kAttempt, "a2"}},
    // Step 6: the final status.
    {"6: every attempt rate limited: 429 with the smallest Retry-After told",
     [](Scenario& s) {
       s.ledger.chain.clear();
       s.Failed("x", ErrorKind::kRateLimit, 25.0, 429).Failed("x", ErrorKind::kRateLimit, 40.0, 429);
     },
     {Do::kFail, "", {}, {}, "", 429, 25}, "solo"},
    {"6: the last failure a timeout: 504",
     [](Scenario& s) {
       s.ledger.chain.clear();
       s.Failed("x", ErrorKind::kServerError).Failed("x", ErrorKind::kTimeout).Spent(ErrorKind::kTimeout, 1);
     },
     {Do::kFail, "", {}, {}, "", 504}, "solo"},
    {"6: otherwise 502",
     [](Scenario& s) {
       s.ledger.chain.clear();
       s.Failed("x", ErrorKind::kServerError, {}, 503).Spent(ErrorKind::kServerError, 2);
     },
     {Do::kFail, "", {}, {}, "", 502}, "solo"},
    {"8: rpm/tpm full everywhere, nothing tried: 429 with Retry-After until a slot frees",
     [](Scenario& s) {
       s.ledger.chain.clear();
       s.Full("x", Millis(2500));
     },
     {Do::kFail, "", {}, {}, "", 429, 3}, "solo"},
    {"6: nothing usable and nothing tried: 503", [](Scenario& s) { s.ledger.chain.clear(); },
     {Do::kFail, "", {}, {}, "", 503}, "keyless"},
    // Streams: a failure after commit.
    {"3.5: a committed stream that failed is replayed on the next deployment (replay on)",
     [](Scenario& s) {
       s.rules.replay_allowed = true;
       s.Failed("a1", ErrorKind::kConnection, {}, 0, /*committed=*/true);
     },
     {Do::kAttempt, "a2"}},
    {"3.5: with stream_resume = off a committed failure ends the walk (200 + error event)",
     [](Scenario& s) { s.Failed("a1", ErrorKind::kConnection, {}, 0, /*committed=*/true); },
     {Do::kFail, "", {}, {}, "", 502}},
    {"3.5: a committed stream that sent tool calls cannot be replayed",
     [](Scenario& s) {
       s.rules.replay_allowed = true;
       s.Failed("a1", ErrorKind::kConnection, {}, 0, /*committed=*/true);
       s.last->replayable = false;
     },
     {Do::kFail, "", {}, {}, "", 502}},
    // SPEC 9 pre-flight: a prompt clearly over a deployment's context window is never sent.
    {"9: a member the prompt clearly cannot fit is skipped before anything is sent",
     [](Scenario& s) { s.rules.prompt_estimate = 5000; }, {Do::kSkip, "s1"}, "short"},
    {"9: after the skip, the member of the group that fits is attempted",
     [](Scenario& s) {
       s.rules.prompt_estimate = 5000;
       s.Skipped("s1");
     },
     {Do::kAttempt, "s2"}, "short"},
    {"9: every member too small: straight to context_window_fallbacks, not fallbacks",
     [](Scenario& s) {
       s.rules.prompt_estimate = 200000;
       s.Skipped("s1").Skipped("s2");
     },
     {Do::kNextGroup, "", {}, {}, "long"}, "short"},
    {"9: every member too small and no context_window_fallbacks: the context_window 400",
     [](Scenario& s) {
       s.rules.prompt_estimate = 5000;
       s.Skipped("t");
     },
     {Do::kFail, "", {}, {}, "", 400}, "tiny"},
    {"9: a prompt near the limit (within the 10% margin) is sent",
     [](Scenario& s) { s.rules.prompt_estimate = 1100; }, {Do::kAttempt, "t"}, "tiny"},
    {"9: just past the margin it is skipped",
     [](Scenario& s) { s.rules.prompt_estimate = 1101; }, {Do::kSkip, "t"}, "tiny"},
    {"9: no known window, no check",
     [](Scenario& s) { s.rules.prompt_estimate = 10000000; }, {Do::kAttempt, "l"}, "long"},
    {"9: no estimate (embeddings), no check", [](Scenario& s) { s.rules.prompt_estimate = 0; },
     {Do::kAttempt, "t"}, "tiny"},
    {"9: a skip does not make a rate-limited walk anything but 429",
     [](Scenario& s) {
       s.ledger.chain.clear();
       s.rules.prompt_estimate = 5000;
       s.Skipped("s1").Failed("s2", ErrorKind::kRateLimit, 20.0, 429).Spent(ErrorKind::kRateLimit, 2);
       s.Cooling("s2", Millis(20000));
       s.ledger.group = s.table->FindGroup("short");
       s.ledger.chain.clear();
     },
     {Do::kFail, "", {}, {}, "", 429, 20}, "short"},
    // SPEC 9 session affinity: the remembered deployment, but only among the candidates.
    {"9: affinity picks the deployment the session was last answered by",
     [](Scenario& s) { s.rules.affinity = s.Dep("a2"); }, {Do::kAttempt, "a2"}},
    {"9: affinity never overrides a cooldown",
     [](Scenario& s) {
       s.rules.affinity = s.Dep("a1");
       s.Cooling("a1", Millis(5000));
     },
     {Do::kAttempt, "a2"}},
    {"9: ... nor an rpm/tpm limit",
     [](Scenario& s) {
       s.rules.affinity = s.Dep("a1");
       s.Full("a1", Millis(5000));
     },
     {Do::kAttempt, "a2"}},
    {"9: ... nor a failure in this request (the retry goes elsewhere)",
     [](Scenario& s) {
       s.rules.affinity = s.Dep("a1");
       s.Failed("a1", ErrorKind::kServerError);
       s.last.reset();
     },
     {Do::kAttempt, "a2"}},
    {"9: a remembered deployment of another group is no candidate here",
     [](Scenario& s) { s.rules.affinity = s.Dep("b"); s.Cooling("a1", Millis(5000)); }, {Do::kAttempt, "a2"}},
    {"success ends the walk",
     [](Scenario& s) {
       s.last = AttemptOutcome{};
       s.last->ok = true;
     },
     {Do::kSucceed}},
};

TEST_CASE("walk decision table (SPEC 3.2)") {
  for (const Row& row : kRows) {
    CAPTURE(row.rule);
    Check(row);
  }
}

TEST_CASE("9: affinity holds for every seed") {
  Scenario s;
  s.rules.affinity = s.Dep("a1");
  for (uint64_t seed = 0; seed < 50; ++seed) CHECK(s.Decide(seed).dep->cfg.id == "a1");
}

TEST_CASE("9: a hedge goes to the group's other candidate, else to the chain; never to a failed, cooling or too-small one") {
  Scenario s;
  Rng rng(1);
  CHECK(HedgeTarget(s.rules, s.ledger, *s.Dep("a1"), s.facts, rng) == s.Dep("a2"));
  s.Cooling("a2", Millis(5000));
  CHECK(HedgeTarget(s.rules, s.ledger, *s.Dep("a1"), s.facts, rng) == s.Dep("b"));  // the fallback group
  s.Full("b", Millis(1000));
  CHECK(HedgeTarget(s.rules, s.ledger, *s.Dep("a1"), s.facts, rng) == nullptr);
  Scenario f;
  f.Failed("a2", ErrorKind::kServerError);
  CHECK(HedgeTarget(f.rules, f.ledger, *f.Dep("a1"), f.facts, rng) == f.Dep("b"));
  Scenario t("short");
  t.rules.prompt_estimate = 5000;
  t.Skipped("s1");
  t.ledger.chain = {"tiny"};
  CHECK(HedgeTarget(t.rules, t.ledger, *t.Dep("s2"), t.facts, rng) == nullptr);  // t cannot fit it
}

TEST_CASE("9: a hedge prefers another upstream: a chain deployment elsewhere beats a group mate at the same endpoint") {
  // a1 and a2 share an endpoint; b is elsewhere.
  constexpr const char* kOther = R"(
[router.fallbacks]
primary = ["backup"]
[[deployments]]
id = "a1"
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "a2"
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
[[deployments]]
id = "b"
model_name = "backup"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:10/v1"
)";
  auto http = net::MakeHttpClient();
  MemoryStateStore store;
  FakeClock clock;
  auto cfg = LoadConfigText(kOther, "hedge.toml", [](const std::string&) { return std::nullopt; });
  REQUIRE(cfg.ok());
  auto table = RouteTable::Build(std::move(cfg.value()), *http, store, clock);
  WalkRules rules;
  rules.table = table.get();
  WalkLedger ledger;
  ledger.group = table->FindGroup("primary");
  ledger.chain = {"backup"};
  ledger.visited.insert("primary");
  TableFacts facts;
  Rng rng(3);
  const Group* g = ledger.group;
  CHECK(HedgeTarget(rules, ledger, *g->members[0], facts, rng)->cfg.id == "b");
}

TEST_CASE("5: the forced probe is the deployment whose cooldown ends first, only when all cool") {
  Scenario s;
  std::vector<const Group*> groups = {s.table->FindGroup("primary"), s.table->FindGroup("backup")};
  CHECK(ForcedProbe(groups, s.facts) == nullptr);  // nothing cooling
  s.Cooling("a1", Millis(9000)).Cooling("a2", Millis(8000));
  CHECK(ForcedProbe(groups, s.facts) == nullptr);  // b is available
  s.Cooling("b", Millis(20000));
  CHECK(ForcedProbe(groups, s.facts) == s.Dep("a2"));
}

TEST_CASE("the same seed gives the same picks; strategies read the facts") {
  Scenario s;
  std::vector<std::string> first, second;
  for (uint64_t seed = 0; seed < 50; ++seed) first.push_back(s.Decide(seed).dep->cfg.id);
  for (uint64_t seed = 0; seed < 50; ++seed) second.push_back(s.Decide(seed).dep->cfg.id);
  CHECK(first == second);
  CHECK(std::count(first.begin(), first.end(), "a1") > 10);  // equal weights share load
  CHECK(std::count(first.begin(), first.end(), "a2") > 10);
}

}  // namespace
}  // namespace detour
