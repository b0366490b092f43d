// --format table (the default): for a person at a terminal or reading a CI log.
#include <algorithm>
#include <cstdio>

#include "check/report.h"
#include "util/log.h"

namespace detour::check {
namespace {

const char* kReset = "\033[0m";

const char* StatusColour(ProbeStatus s) {
  switch (s) {
    case ProbeStatus::kOk: return "\033[32m";
    case ProbeStatus::kFailed: return "\033[31m";
    case ProbeStatus::kSkipped: return "\033[33m";
  }
  return "";
}

const char* SeverityColour(Severity s) {
  switch (s) {
    case Severity::kError: return "\033[31m";
    case Severity::kWarning: return "\033[33m";
    case Severity::kInfo: return "\033[36m";
  }
  return "";
}

std::string Detail(const ProbeResult& p) {
  std::string d;
  if (p.http_status) d = std::to_string(p.http_status);
  if (!p.kind.empty()) d += (d.empty() ? "" : " ") + p.kind;
  if (!p.message.empty()) d += (d.empty() ? "" : ": ") + log::Redact(p.message);
  return d;
}

// Pads `s` to `width` columns; colour codes go around the padded text so columns align.
std::string Cell(const std::string& s, size_t width, const char* colour) {
  std::string padded = s + std::string(width > s.size() ? width - s.size() : 0, ' ');
  return colour ? colour + padded + kReset : padded;
}

std::string ProbeTable(const CheckReport& r, bool colour) {
  std::vector<std::vector<std::string>> rows = {
      {"DEPLOYMENT", "GROUP", "PROVIDER", "STATUS", "LATENCY", "DETAIL"}};
  for (const auto& p : r.probes)
    rows.push_back({p.deployment, p.group, p.provider, ProbeStatusName(p.status),
                    FormatLatency(p.latency), Detail(p)});
  std::vector<size_t> width(6, 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < 5; ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (size_t n = 0; n < rows.size(); ++n) {
    for (size_t i = 0; i < 5; ++i) {
      bool status_cell = colour && n > 0 && i == 3;
      out += Cell(rows[n][i], width[i] + 2, status_cell ? StatusColour(r.probes[n - 1].status) : nullptr);
    }
    out += rows[n][5] + "\n";
  }
  return out;
}

std::string VerdictLines(const CheckReport& r, bool colour) {
  std::string out = "\n";
  for (const auto& v : r.verdicts) {
    const char* c = v.verdict == Verdict::kPrimary ? "\033[32m"
                    : v.verdict == Verdict::kFallbacksOnly ? "\033[33m" : "\033[31m";
    std::string name = VerdictName(v.verdict);
    out += "group " + v.group + ": " + (colour ? c + name + kReset : name);
    if (v.verdict == Verdict::kPrimary) out += " (served by its own deployments)";
    if (v.verdict == Verdict::kFallbacksOnly) out += " (served only through fallback " + v.served_by + ")";
    if (v.verdict == Verdict::kDown) out += " (cannot be served)";
    out += "\n";
  }
  return out;
}

std::string FindingLines(const CheckReport& r, bool colour) {
  if (r.findings.empty()) return "\nlint: no findings\n";
  std::string out = "\n";
  for (const auto& f : r.findings) {
    std::string sev = SeverityName(f.severity);
    out += colour ? SeverityColour(f.severity) + sev + kReset : sev;
    out += " [" + f.rule + "] ";
    if (!f.file.empty()) out += f.file + (f.line ? ":" + std::to_string(f.line) : "") + ": ";
    if (!f.key_path.empty()) out += f.key_path + ": ";
    out += log::Redact(f.message) + "\n    fix: " + f.fix + "\n";
  }
  return out;
}

}  // namespace

std::string FormatLatency(Millis ms) {
  if (ms.count() <= 0) return "-";
  if (ms.count() < 1000) return std::to_string(ms.count()) + "ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", ms.count() / 1000.0);
  return buf;
}

std::string RenderTable(const CheckReport& r, bool colour) {
  std::string out;
  if (r.offline) out += "offline: lint only, no deployment probed\n";
  else out += ProbeTable(r, colour) + VerdictLines(r, colour);
  return out + FindingLines(r, colour);
}

}  // namespace detour::check
