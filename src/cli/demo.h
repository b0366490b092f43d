// `detour serve --demo` (SPEC 1.1): two simulated providers in-process, an OpenAI-protocol
// "primary" and an Anthropic-protocol "backup", with a built-in trace where the primary
// answers 503 for one minute in every three (minute 3 of each cycle: 2:00-3:00, 5:00-6:00,
// ...), and a Config whose group "demo" (the default model) falls back to the backup. No
// keys needed; `x-detour-deployment` shows the switch.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "sim/simulator.h"
#include "util/expected.h"

namespace detour {

struct Demo {
  std::unique_ptr<sim::Simulator> providers;  // both protocols, one loopback port
  Config config;
};

// The built-in trace: `cycles` three-minute cycles with the primary failing in the third
// minute of each.
Trace DemoTrace(int cycles = 480);

// Starts the simulated providers. `phase_s` (hidden --demo-phase) starts the demo clock
// that many seconds into the cycle, e.g. 120 = inside the failing minute at once.
// `listen` is the gateway's own address (kept in the Config).
Expected<Demo, std::string> StartDemo(const std::string& listen, std::optional<double> phase_s);

}  // namespace detour
