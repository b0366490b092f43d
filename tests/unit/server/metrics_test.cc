// /metrics text (server/metrics.h): every family of SPEC 5 with SPEC 8's labels (and
// team), exact counts from observed requests, live gauges, escaping, and a format check
// by an independent parser (prom_text.h).
#include <doctest/doctest.h>

#include "server/metrics.h"
#include "unit/server/prom_text.h"

namespace detour {
namespace {

using Labels = std::map<std::string, std::string>;

AttemptRecord Attempt(const std::string& dep, const std::string& group, bool ok, ErrorKind kind = ErrorKind::kServerError) {
  AttemptRecord a;
  a.deployment = dep;
  a.group = group;
  a.provider_model = "openai/" + dep;
  a.ok = ok;
  a.kind = kind;
  a.status = ok ? 0 : 500;
  return a;
}

MetricsSource FakeSource(std::vector<DeploymentGauge>* gauges) {
  MetricsSource s;
  s.deployments = [gauges] { return *gauges; };
  s.known_model = [](std::string_view m) { return m == "fast" || m == "backup"; };
  return s;
}

// A request to "fast" whose primary failed twice, then answered by "backup".
RequestReport FellBack(const std::string& team) {
  RequestReport r;
  r.requested = "fast";
  r.ok = true;
  r.status = 200;
  r.deployment = "b1";
  r.group = "backup";
  r.team = team;
  r.attempts = {Attempt("p1", "fast", false), Attempt("p1", "fast", false), Attempt("b1", "backup", true)};
  r.usage = {10, 20};
  r.cost_usd = 0.25;
  r.total = Millis(700);
  return r;
}

void Observe(Metrics& m, const RequestReport& r) {
  for (const auto& a : r.attempts) m.OnAttempt(a);
  m.OnRequestEnd(r);
}

TEST_CASE("metrics: an empty registry is valid text with every family declared") {
  std::vector<DeploymentGauge> gauges = {{"p1", 0, 0}, {"b1", 1, 2}, {"dead", 2, 0}};
  Metrics m(FakeSource(&gauges));
  auto p = promtext::Parse(m.Render());
  CHECK(p.errors.empty());
  CHECK(p.types == std::map<std::string, std::string>{
                       {"detour_requests_total", "counter"},
                       {"detour_attempts_total", "counter"},
                       {"detour_fallbacks_total", "counter"},
                       {"detour_request_duration_seconds", "histogram"},
                       {"detour_time_to_first_token_seconds", "histogram"},
                       {"detour_tokens_total", "counter"},
                       {"detour_cost_usd_total", "counter"},
                       {"detour_deployment_state", "gauge"},
                       {"detour_in_flight", "gauge"},
                       {"detour_cache_hits_total", "counter"},
                       {"detour_preflight_skips_total", "counter"},
                       {"detour_cache_read_tokens_total", "counter"},
                   });
  CHECK(p.Get("detour_deployment_state", {{"deployment", "p1"}}) == 0);
  CHECK(p.Get("detour_deployment_state", {{"deployment", "b1"}}) == 1);
  CHECK(p.Get("detour_deployment_state", {{"deployment", "dead"}}) == 2);
  CHECK(p.Get("detour_in_flight", {{"deployment", "b1"}}) == 2);
  CHECK(p.Get("detour_cache_hits_total") == 0);
  CHECK(p.Get("detour_request_duration_seconds_count") == 0);
  CHECK(p.Get("detour_request_duration_seconds_bucket", {{"le", "+Inf"}}) == 0);
}

TEST_CASE("metrics: requests, attempts, fallbacks, tokens and cost count exactly") {
  std::vector<DeploymentGauge> gauges;
  Metrics m(FakeSource(&gauges));
  Observe(m, FellBack("default"));
  Observe(m, FellBack("default"));
  Observe(m, FellBack("search"));
  RequestReport failed;  // everything failed: no tokens, no cost
  failed.requested = "fast";
  failed.status = 502;
  failed.attempts = {Attempt("p1", "fast", false, ErrorKind::kTimeout)};
  failed.total = Millis(30);
  Observe(m, failed);
  RequestReport hit;  // from the cache: no attempt, no tokens billed
  hit.requested = "fast";
  hit.ok = true;
  hit.cache_hit = true;
  hit.deployment = "p1";
  hit.group = "fast";
  hit.stream = true;
  hit.first_token = Millis(0);
  Observe(m, hit);
  RequestReport unknown;  // a model nobody configured is not a label value of its own
  unknown.requested = "gpt-nonsense";
  unknown.status = 404;
  Observe(m, unknown);

  auto p = promtext::Parse(m.Render());
  REQUIRE(p.errors.empty());
  CHECK(p.All("detour_requests_total") ==
        std::map<Labels, double>{{{{"model_group", "fast"}, {"status", "200"}, {"team", "default"}}, 3},
                                 {{{"model_group", "fast"}, {"status", "200"}, {"team", "search"}}, 1},
                                 {{{"model_group", "fast"}, {"status", "502"}, {"team", "default"}}, 1},
                                 {{{"model_group", "(unknown)"}, {"status", "404"}, {"team", "default"}}, 1}});
  CHECK(p.All("detour_attempts_total") ==
        std::map<Labels, double>{{{{"deployment", "p1"}, {"outcome", "server_error"}}, 6},
                                 {{{"deployment", "p1"}, {"outcome", "timeout"}}, 1},
                                 {{{"deployment", "b1"}, {"outcome", "ok"}}, 3}});
  CHECK(p.All("detour_fallbacks_total") == std::map<Labels, double>{{{{"from", "fast"}, {"to", "backup"}}, 3}});
  CHECK(p.Get("detour_tokens_total", {{"deployment", "b1"}, {"type", "prompt"}, {"team", "default"}}) == 20);
  CHECK(p.Get("detour_tokens_total", {{"deployment", "b1"}, {"type", "completion"}, {"team", "default"}}) == 40);
  CHECK(p.Get("detour_tokens_total", {{"deployment", "b1"}, {"type", "completion"}, {"team", "search"}}) == 20);
  CHECK(p.All("detour_tokens_total").size() == 4);
  CHECK(p.All("detour_cost_usd_total") ==
        std::map<Labels, double>{{{{"deployment", "b1"}, {"team", "default"}}, 0.5},
                                 {{{"deployment", "b1"}, {"team", "search"}}, 0.25}});
  CHECK(p.Get("detour_cache_hits_total") == 1);
  // Every request is in the duration histogram, failed, unknown and cached ones too.
  CHECK(p.Get("detour_request_duration_seconds_count") == 6);
  CHECK(p.Get("detour_request_duration_seconds_sum") == doctest::Approx(2.13));
  CHECK(p.Get("detour_request_duration_seconds_bucket", {{"le", "0.05"}}) == 3);  // 30 ms and two 0 ms
  CHECK(p.Get("detour_request_duration_seconds_bucket", {{"le", "0.5"}}) == 3);
  CHECK(p.Get("detour_request_duration_seconds_bucket", {{"le", "1"}}) == 6);
  CHECK(p.Get("detour_time_to_first_token_seconds_count") == 0);  // a cache hit is not upstream latency
}

TEST_CASE("metrics: first-token histogram of committed streams") {
  std::vector<DeploymentGauge> gauges;
  Metrics m(FakeSource(&gauges));
  for (int ms : {40, 300, 1500, 45000}) {
    RequestReport r = FellBack("default");
    r.stream = true;
    r.first_token = Millis(ms);
    m.OnRequestEnd(r);
  }
  auto p = promtext::Parse(m.Render());
  REQUIRE(p.errors.empty());
  CHECK(p.Get("detour_time_to_first_token_seconds_bucket", {{"le", "0.05"}}) == 1);
  CHECK(p.Get("detour_time_to_first_token_seconds_bucket", {{"le", "0.5"}}) == 2);
  CHECK(p.Get("detour_time_to_first_token_seconds_bucket", {{"le", "2"}}) == 3);
  CHECK(p.Get("detour_time_to_first_token_seconds_bucket", {{"le", "30"}}) == 3);
  CHECK(p.Get("detour_time_to_first_token_seconds_bucket", {{"le", "+Inf"}}) == 4);
  CHECK(p.Get("detour_time_to_first_token_seconds_sum") == doctest::Approx(46.84));
}

TEST_CASE("metrics: label values are escaped and parse back to the original") {
  std::vector<DeploymentGauge> gauges = {{"we\"ird\\dep\nid", 0, 1}};
  Metrics m(FakeSource(&gauges));
  m.OnAttempt(Attempt("we\"ird\\dep\nid", "fast", true));
  std::string text = m.Render();
  CHECK(text.find(R"(detour_attempts_total{deployment="we\"ird\\dep\nid",outcome="ok"} 1)") != std::string::npos);
  auto p = promtext::Parse(text);
  CHECK(p.errors.empty());
  CHECK(p.Get("detour_in_flight", {{"deployment", "we\"ird\\dep\nid"}}) == 1);
  CHECK(EscapeLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("metrics: sample values print exactly") {
  CHECK(FormatSampleValue(3) == "3");
  CHECK(FormatSampleValue(0.00042) == "0.00042");
  CHECK(FormatSampleValue(1e21) == "1e+21");
  CHECK(FormatSampleValue(1.0 / 0.0) == "+Inf");
}

TEST_CASE("prom text checker: rejects what the format forbids") {
  CHECK_FALSE(promtext::Parse("x 1\n").errors.empty());                                // no TYPE
  CHECK_FALSE(promtext::Parse("# TYPE x counter\nx 1\n").errors.empty());              // TYPE before HELP
  CHECK_FALSE(promtext::Parse("# HELP x h\n# TYPE x counter\nx{a=\"b} 1\n").errors.empty());
  CHECK_FALSE(promtext::Parse("# HELP x h\n# TYPE x counter\nx one\n").errors.empty());
  CHECK_FALSE(promtext::Parse("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                              "h_sum 1\nh_count 1\n").errors.empty());
  CHECK_FALSE(promtext::Parse("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n")
                  .errors.empty());
  CHECK(promtext::Parse("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                        "h_sum 1.5\nh_count 2\n").errors.empty());
}

}  // namespace
}  // namespace detour
