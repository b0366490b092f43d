// The status page's data (server/status_board.h): sparkline minutes, failovers of the last
// hour, today's tallies per team and group, who serves a group now, budgets from the store.
#include <doctest/doctest.h>

#include "config/load.h"
#include "core/memory_state_store.h"
#include "core/route_table.h"
#include "net/http_client.h"
#include "server/status_board.h"

namespace detour {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr const char* kConfig = R"(
[server]
api_keys = [{ key = "k1", team = "search", budget = { usd = 2, per = "day" } }, "k2"]
[router.fallbacks]
primary = ["backup"]
[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
api_key = "${UNSET_KEY}"
[[deployments]]
id = "back"
model_name = "backup"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:9/v1"
)";

struct Board {
  std::unique_ptr<net::HttpClient> http = net::MakeHttpClient();
  MemoryStateStore store;
  FakeClock clock;
  std::shared_ptr<const RouteTable> table;
  Budgets budgets{store, clock};
  StatusBoard board{clock};

  Board() {
    auto cfg = LoadConfigText(kConfig, "board.toml", [](const std::string&) { return std::nullopt; });
    REQUIRE(cfg.ok());
    budgets.SetClients(cfg->server.clients);
    table = RouteTable::Build(std::move(cfg.value()), *http, store, clock);
  }
  Json Snap() { return board.Snapshot(*table, store, &budgets); }
  void Attempt(const std::string& id, bool ok, int ms) {
    AttemptRecord a;
    a.deployment = id;
    a.ok = ok;
    a.elapsed = Millis(ms);
    board.OnAttempt(a);
  }
  static const Json& Find(const Json& list, const std::string& key, const std::string& value) {
    for (const auto& x : list)
      if (x[key] == value) return x;
    FAIL("no " << key << " = " << value);
    static Json none;
    return none;
  }
};

RequestReport Request(const std::string& team, std::vector<std::pair<std::string, bool>> attempts, bool ok) {
  RequestReport r;
  r.team = team;
  r.requested = "primary";
  r.ok = ok;
  for (auto& [id, good] : attempts) {
    AttemptRecord a;
    a.deployment = id;
    a.ok = good;
    a.kind = ErrorKind::kServerError;
    a.status = good ? 200 : 503;
    r.attempts.push_back(a);
  }
  if (ok) r.deployment = r.attempts.back().deployment;
  r.usage.prompt_tokens = 10;
  r.usage.completion_tokens = 5;
  r.cost_usd = ok ? 0.25 : 0;
  return r;
}

}  // namespace

TEST_CASE("sparklines: attempts, error rate and p50 per minute, the newest minute last, 15 minutes kept") {
  Board b;
  b.Attempt("back", true, 100);
  b.Attempt("back", true, 300);
  b.Attempt("back", false, 50);
  b.clock.Advance(minutes(1));
  b.Attempt("back", true, 40);
  Json sp = Board::Find(b.Snap()["deployments"], "id", "back")["sparkline"];
  CHECK(sp["minutes"] == 15);
  REQUIRE(sp["attempts"].size() == 15);
  CHECK(sp["attempts"][13] == 3);
  CHECK(sp["attempts"][14] == 1);
  CHECK(sp["error_rate"][13].get<double>() == doctest::Approx(0.333));
  CHECK(sp["error_rate"][14] == 0.0);
  CHECK(sp["error_rate"][12].is_null());  // no traffic is not "no errors"
  CHECK(sp["p50_ms"][13] == 300);          // of the successful ones: 100, 300
  CHECK(sp["p50_ms"][14] == 40);

  b.clock.Advance(minutes(15));
  sp = Board::Find(b.Snap()["deployments"], "id", "back")["sparkline"];
  for (const auto& n : sp["attempts"]) CHECK(n == 0);
}

TEST_CASE("a failover is a request that moved off the deployment it first tried; kept for an hour") {
  Board b;
  b.board.OnRequestEnd(Request("search", {{"prim", false}, {"back", true}}, true));
  b.board.OnRequestEnd(Request("search", {{"back", false}, {"back", true}}, true));  // a retry, not a failover
  b.board.OnRequestEnd(Request("search", {{"back", true}}, true));
  b.board.OnRequestEnd(Request("k2", {{"prim", false}, {"back", false}}, false));
  Json f = b.Snap()["failovers"];
  REQUIRE(f.size() == 2);
  CHECK(f[0]["to"].is_null());  // newest first: that one failed everywhere
  CHECK(f[1]["from"] == "prim");
  CHECK(f[1]["to"] == "back");
  CHECK(f[1]["reason"] == "server_error");
  CHECK(f[1]["status"] == 503);
  b.clock.Advance(minutes(61));
  CHECK(b.Snap()["failovers"].empty());
}

TEST_CASE("teams: configured ones listed, today's requests and tokens, spend and budget from the store") {
  Board b;
  b.board.OnRequestEnd(Request("search", {{"back", true}}, true));
  b.budgets.OnRequestEnd(Request("search", {{"back", true}}, true));
  b.board.OnRequestEnd(Request("adhoc", {{"back", true}}, true));
  Json teams = b.Snap()["teams"];
  REQUIRE(teams.size() == 3);  // adhoc (seen), default (plain key), search (configured)
  const Json& search = Board::Find(teams, "team", "search");
  CHECK(search["requests"] == 1);
  CHECK(search["prompt_tokens"] == 10);
  CHECK(search["cost_usd"] == 0.25);
  CHECK(search["budget"]["usd"] == 2.0);
  CHECK(search["budget"]["spent_usd"] == 0.25);
  CHECK(search["budget"]["over"] == false);
  CHECK(Board::Find(teams, "team", "default")["requests"] == 0);
  CHECK(Board::Find(teams, "team", "adhoc")["budget"].is_null());

  b.clock.Advance(hours(24));  // a new UTC day: today's tallies start again
  CHECK(Board::Find(b.Snap()["teams"], "team", "search")["requests"] == 0);
  CHECK(b.Snap()["teams"].size() == 2);
}

TEST_CASE("groups: the chain as configured, served by the first step with a healthy member") {
  Board b;
  Json s = b.Snap();
  const Json& primary = Board::Find(s["groups"], "name", "primary");
  CHECK(primary["chain"] == Json::array({"primary", "backup"}));
  CHECK(primary["members"] == Json::array({"prim"}));
  CHECK(primary["serving"] == Json::array({"back"}));  // prim's key is unset: unusable
  CHECK(primary["via"] == "backup");
  CHECK(primary["via_fallback"] == true);
  CHECK(Board::Find(s["groups"], "name", "backup")["via_fallback"] == false);
  CHECK(s["status"] == "degraded");
  CHECK(Board::Find(s["deployments"], "id", "prim")["state"] == "unusable");
}

}  // namespace detour
