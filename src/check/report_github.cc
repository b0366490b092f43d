// --format github: GitHub Actions workflow commands, so findings and failed probes show
// as annotations on the config file in the pull request.
#include "check/report.h"
#include "util/log.h"

namespace detour::check {
namespace {

// Workflow-command escaping: data and property values.
std::string Data(const std::string& raw) {
  std::string out;
  for (char c : log::Redact(raw)) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string Property(const std::string& raw) {
  std::string out;
  for (char c : Data(raw)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

const char* Command(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "notice";
}

std::string Location(const std::string& file, int line) {
  std::string out;
  if (!file.empty()) out += " file=" + Property(file);
  if (line > 0) out += std::string(out.empty() ? " " : ",") + "line=" + std::to_string(line);
  return out;
}

}  // namespace

std::string RenderGithub(const CheckReport& r) {
  std::string out;
  for (const auto& f : r.findings)
    out += "::" + std::string(Command(f.severity)) + Location(f.file, f.line) +
           (Location(f.file, f.line).empty() ? " " : ",") + "title=" + Property("detour check " + f.rule) +
           "::" + Data(f.key_path + ": " + f.message + " (fix: " + f.fix + ")") + "\n";
  for (const auto& p : r.probes) {
    if (p.status != ProbeStatus::kFailed) continue;
    out += "::error" + Location(r.config_file, p.line) + "::" +
           Data("deployment " + p.deployment + " (group " + p.group + "): " +
                std::to_string(p.http_status) + " " + p.kind + ": " + p.message) + "\n";
  }
  for (const auto& v : r.verdicts)
    out += "group " + v.group + ": " + VerdictName(v.verdict) +
           (v.served_by.empty() || v.served_by == v.group ? "" : " (via " + v.served_by + ")") + "\n";
  return out;
}

}  // namespace detour::check
