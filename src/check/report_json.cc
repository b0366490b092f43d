// --format json: one object with deployments, groups and findings.
#include <nlohmann/json.hpp>

#include "check/report.h"
#include "util/log.h"

namespace detour::check {
namespace {

using nlohmann::json;

json Deployment(const ProbeResult& p) {
  json j = {{"id", p.deployment},     {"group", p.group},
            {"provider", p.provider}, {"status", ProbeStatusName(p.status)},
            {"http_status", p.http_status}, {"latency_ms", p.latency.count()},
            {"line", p.line}};
  j["error_kind"] = p.kind.empty() ? json(nullptr) : json(p.kind);
  j["message"] = log::Redact(p.message);
  return j;
}

json FindingJson(const Finding& f) {
  return {{"severity", SeverityName(f.severity)}, {"rule", f.rule},
          {"key_path", f.key_path},              {"file", f.file},
          {"line", f.line},                      {"message", log::Redact(f.message)},
          {"fix", f.fix}};
}

}  // namespace

std::string RenderJson(const CheckReport& r) {
  json out = {{"config", r.config_file}, {"offline", r.offline}};
  out["deployments"] = json::array();
  for (const auto& p : r.probes) out["deployments"].push_back(Deployment(p));
  out["groups"] = json::array();
  for (const auto& v : r.verdicts)
    out["groups"].push_back(
        {{"group", v.group}, {"verdict", VerdictName(v.verdict)}, {"served_by", v.served_by}});
  out["findings"] = json::array();
  for (const auto& f : r.findings) out["findings"].push_back(FindingJson(f));
  // Replace, not throw, on invalid UTF-8 from an upstream's message.
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace detour::check
