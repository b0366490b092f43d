// `detour status` rendering (cli/status_table.h): the page's JSON as aligned tables.
#include <doctest/doctest.h>

#include "cli/status_table.h"

namespace detour {

TEST_CASE("status table: groups, deployments with state and sparkline, teams with budgets, failovers") {
  Json sp_prim = {{"minutes", 3}, {"attempts", {0, 2, 2}}, {"error_rate", {nullptr, 0.5, 1.0}}, {"p50_ms", {nullptr, 120, nullptr}}};
  Json sp_back = {{"minutes", 3}, {"attempts", {0, 0, 4}}, {"error_rate", {nullptr, nullptr, 0.0}}, {"p50_ms", {nullptr, nullptr, 80}}};
  Json s = {
      {"generated_at", "2026-12-06T17:00:00Z"},
      {"status", "degraded"},
      {"groups", {{{"name", "primary"}, {"chain", {"primary", "backup"}}, {"serving", {"back"}}, {"via", "backup"}, {"via_fallback", true}}}},
      {"deployments",
       {{{"id", "prim"}, {"model_group", "primary"}, {"state", "cooling"}, {"cooldown_remaining_s", 12.2}, {"in_flight", 0}, {"sparkline", sp_prim}},
        {{"id", "back"}, {"model_group", "backup"}, {"state", "healthy"}, {"in_flight", 3}, {"sparkline", sp_back}}}},
      {"teams",
       {{{"team", "search"}, {"requests", 4}, {"prompt_tokens", 100}, {"completion_tokens", 20}, {"cost_usd", 0.5},
         {"budget", {{"usd", 2.0}, {"per", "day"}, {"spent_usd", 0.5}, {"over", false}}}}}},
      {"failovers", {{{"time", "2026-12-06T16:59:58Z"}, {"group", "primary"}, {"from", "prim"}, {"to", "back"}, {"reason", "server_error"}, {"status", 503}}}},
  };
  CHECK(RenderStatusTable(s, "http://127.0.0.1:4000") ==
        "detour at http://127.0.0.1:4000: degraded (updated 2026-12-06T17:00:00Z)\n"
        "\n"
        "GROUP    SERVING NOW                 CHAIN\n"
        "primary  back (via fallback backup)  primary -> backup\n"
        "\n"
        "DEPLOYMENT  GROUP    STATE                ERRORS 15m  P50 now  IN FLIGHT  ERROR RATE / MIN (15 min)\n"
        "prim        primary  cooling (13 s left)  75.0 %      120 ms   0          [ ▅█]\n"
        "back        backup   healthy              0.0 %       80 ms    3          [  ▁]\n"
        "\n"
        "TEAM    REQUESTS  TOKENS  COST TODAY  BUDGET\n"
        "search  4         120     $0.50       $0.50 of $2.00 per day (25.0 %)\n"
        "\n"
        "FAILOVERS (last hour): 1\n"
        "  16:59:58  primary  prim -> back  server_error (503)\n");
}

}  // namespace detour
