// The observers a config asks for besides the request log and /metrics: the usage log
// ([usage] log), the outage record ([record] path) and OTLP traces ([telemetry]
// otlp_endpoint). Each is built only when configured, so what is off costs nothing.
// Built once at start (a reload does not reopen files or move the endpoint).
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/router.h"
#include "server/otlp_exporter.h"
#include "server/record_log.h"
#include "server/usage_log.h"
#include "util/expected.h"

namespace detour {

struct ConfiguredObservers {
  std::unique_ptr<UsageLog> usage;
  std::unique_ptr<RecordLog> record;
  std::unique_ptr<OtlpExporter> otlp;

  // Adds every built observer to `router` (which must not outlive this).
  void AttachTo(Router& router);
  // Writes / sends what is queued; before the process exits (serve ends with _exit).
  void Flush();
};

// Fails with "[usage] log: cannot open PATH ..." style messages (the caller exits 2).
Expected<ConfiguredObservers, std::string> MakeConfiguredObservers(const Config& config, Router& router);

}  // namespace detour
