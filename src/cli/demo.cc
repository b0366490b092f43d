#include "cli/demo.h"

#include <chrono>

#include "config/load.h"
#include "model/clock.h"

namespace detour {

Trace DemoTrace(int cycles) {
  Trace t;
  t.name = "demo";
  t.description = "the primary answers 503 one minute in three";
  t.duration = Millis(int64_t{cycles} * 180000);
  t.traffic.completion_tokens = 24;
  t.baseline.first_token = Millis(250);
  t.baseline.tokens_per_second = 80;
  for (int i = 0; i < cycles; ++i) {
    TraceFault f;
    f.target = {FaultTarget::Kind::kDeployment, "primary"};
    f.kind = FaultKind::kHttpError;
    f.status = 503;
    f.rate = 1.0;
    f.from = Millis(int64_t{i} * 180000 + 120000);
    f.to = f.from + Millis(60000);
    t.faults.push_back(f);
  }
  return t;
}

Expected<Demo, std::string> StartDemo(const std::string& listen, std::optional<double> phase_s) {
  sim::SimOptions o;
  o.seed = 1;
  Clock& clock = SystemClock();
  o.clock = &clock;
  o.start = clock.Now() - std::chrono::duration_cast<SteadyClock::duration>(
                              std::chrono::duration<double>(phase_s.value_or(0)));
  auto sim = sim::Simulator::Start(DemoTrace(), o);
  if (!sim.ok()) return Fail("demo providers: " + sim.error());
  // The config as a user would write it, so it is validated and defaulted like any other.
  // Short cooldowns so the primary comes back within seconds of its minute ending.
  std::string toml = "[server]\nlisten = \"" + listen + "\"\n" +
                     R"([router]
default_model = "demo"
num_retries = 0
allowed_fails = 0
cooldown = "5s"
probe_interval = "2s"
[router.fallbacks]
demo = ["demo-backup"]

[[deployments]]
id = "primary"
model_name = "demo"
provider = "openai"
model = "gpt-4o-mini"
api_key = "sim-demo-key"
api_base = ")" + (*sim)->BaseUrl("openai", "primary") +
                     R"("
price = { input = 0.15, output = 0.60 }

[[deployments]]
id = "backup"
model_name = "demo-backup"
provider = "anthropic"
model = "claude-sonnet-4-6"
api_key = "sim-demo-key"
api_base = ")" + (*sim)->BaseUrl("anthropic", "backup") +
                     R"("
price = { input = 3.0, output = 15.0 }
)";
  auto config = LoadConfigText(toml, "(demo)", [](const std::string&) { return std::nullopt; });
  if (!config.ok()) {
    std::string why;
    for (const auto& i : config.error().issues) why += i.ToString() + "; ";
    return Fail("demo config: " + why);
  }
  Demo d;
  d.providers = std::move(*sim);
  d.config = std::move(*config);
  return d;
}

}  // namespace detour
