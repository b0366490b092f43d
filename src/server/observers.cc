#include "server/observers.h"

namespace detour {

void ConfiguredObservers::AttachTo(Router& router) {
  if (usage) router.AddObserver(usage.get());
  if (record) router.AddObserver(record.get());
  if (otlp) router.AddObserver(otlp.get());
}

void ConfiguredObservers::Flush() {
  if (usage) usage->file().Flush();
  if (record) record->file().Flush();
  if (otlp) otlp->Flush();
}

Expected<ConfiguredObservers, std::string> MakeConfiguredObservers(const Config& config, Router& router) {
  ConfiguredObservers o;
  if (!config.usage.log.empty()) {
    auto f = JsonlFile::Open(config.usage.log);
    if (!f.ok()) return Fail("[usage] log: " + f.error());
    o.usage = std::make_unique<UsageLog>(std::move(f.value()),
                                         [&router] { return router.table()->cache() != nullptr; });
  }
  if (!config.record.path.empty()) {
    auto f = JsonlFile::Open(config.record.path);
    if (!f.ok()) return Fail("[record] path: " + f.error());
    o.record = std::make_unique<RecordLog>(std::move(f.value()));
  }
  if (!config.telemetry.otlp_endpoint.empty())
    o.otlp = std::make_unique<OtlpExporter>(config.telemetry.otlp_endpoint, config.telemetry.service_name);
  return o;
}

}  // namespace detour
