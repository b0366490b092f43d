// --format junit: for CI systems that show test reports.
#include <cstdio>

#include "check/report.h"
#include "util/log.h"

namespace detour::check {
namespace {

// Text and attribute values, with control characters XML 1.0 forbids dropped.
std::string Xml(const std::string& raw) {
  std::string s = log::Redact(raw), out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') break;
        out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Seconds(Millis ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms.count() / 1000.0);
  return buf;
}

std::string Testcase(const ProbeResult& p) {
  std::string out = "    <testcase classname=\"" + Xml(p.group) + "\" name=\"" + Xml(p.deployment) +
                    "\" time=\"" + Seconds(p.latency) + "\">";
  if (p.status == ProbeStatus::kFailed)
    out += "\n      <failure type=\"" + Xml(p.kind) + "\" message=\"" +
           Xml(std::to_string(p.http_status) + " " + p.kind) + "\">" + Xml(p.message) +
           "</failure>\n    ";
  if (p.status == ProbeStatus::kSkipped)
    out += "\n      <skipped message=\"" + Xml(p.message) + "\"/>\n    ";
  return out + "</testcase>\n";
}

std::string GroupSuite(const CheckReport& r, const std::string& group, int* tests, int* failures) {
  int n = 0, failed = 0, skipped = 0;
  std::string cases;
  for (const auto& p : r.probes) {
    if (p.group != group) continue;
    ++n;
    failed += p.status == ProbeStatus::kFailed;
    skipped += p.status == ProbeStatus::kSkipped;
    cases += Testcase(p);
  }
  *tests += n;
  *failures += failed;
  return "  <testsuite name=\"" + Xml(group) + "\" tests=\"" + std::to_string(n) +
         "\" failures=\"" + std::to_string(failed) + "\" errors=\"0\" skipped=\"" +
         std::to_string(skipped) + "\">\n" + cases + "  </testsuite>\n";
}

std::string Where(const Finding& f) {
  return f.file + (f.line ? ":" + std::to_string(f.line) : "") + ": " + f.key_path;
}

std::string LintSuite(const CheckReport& r, int* tests, int* failures) {
  int n = 0, failed = 0;
  std::string cases, notes;
  for (const auto& f : r.findings) {
    if (f.severity != Severity::kError) {
      notes += std::string(SeverityName(f.severity)) + " [" + f.rule + "] " + Where(f) + ": " +
               f.message + " (fix: " + f.fix + ")\n";
      continue;
    }
    ++n, ++failed;
    cases += "    <testcase classname=\"lint\" name=\"" + Xml(f.rule + " " + f.key_path) +
             "\">\n      <failure type=\"" + Xml(f.rule) + "\" message=\"" + Xml(f.message) +
             "\">" + Xml(Where(f) + ": " + f.message + "\nfix: " + f.fix) +
             "</failure>\n    </testcase>\n";
  }
  if (n == 0) {
    n = 1;
    cases = "    <testcase classname=\"lint\" name=\"no lint errors\"/>\n";
  }
  *tests += n;
  *failures += failed;
  std::string out = "  <testsuite name=\"lint\" tests=\"" + std::to_string(n) + "\" failures=\"" +
                    std::to_string(failed) + "\" errors=\"0\">\n" + cases;
  if (!notes.empty()) out += "    <system-out>" + Xml(notes) + "</system-out>\n";
  return out + "  </testsuite>\n";
}

}  // namespace

std::string RenderJunit(const CheckReport& r) {
  int tests = 0, failures = 0;
  std::string suites = LintSuite(r, &tests, &failures);
  if (!r.offline)
    for (const auto& g : r.groups) suites += GroupSuite(r, g, &tests, &failures);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"detour check\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\">\n" + suites +
         "</testsuites>\n";
}

}  // namespace detour::check
