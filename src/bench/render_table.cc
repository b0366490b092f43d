// The table of `detour bench`: one block per trace, a column per arm, a row per measure.
#include <functional>
#include <sstream>

#include "bench/format.h"
#include "bench/report.h"

namespace detour::bench {
namespace {

constexpr int kLabelWidth = 20;
constexpr int kColumnWidth = 12;

std::string PadRight(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}
std::string PadLeft(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

struct Row {
  const char* label;
  std::function<std::string(const ArmStats&)> value;
};

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      {"requests", [](const ArmStats& s) { return std::to_string(s.requests); }},
      {"succeeded", [](const ArmStats& s) { return std::to_string(s.succeeded); }},
      {"errors", [](const ArmStats& s) { return std::to_string(s.errors); }},
      {"error %", [](const ArmStats& s) { return FormatPercent(s.error_rate); }},
      {"p50 latency", [](const ArmStats& s) { return FormatMs(s.p50_latency_ms); }},
      {"p95 latency", [](const ArmStats& s) { return FormatMs(s.p95_latency_ms); }},
      {"p99 latency", [](const ArmStats& s) { return FormatMs(s.p99_latency_ms); }},
      {"p50 first token", [](const ArmStats& s) { return FormatMs(s.p50_first_token_ms); }},
      {"p99 first token", [](const ArmStats& s) { return FormatMs(s.p99_first_token_ms); }},
      {"attempts/request", [](const ArmStats& s) { return FormatFixed(s.attempts_per_request, 2); }},
      {"fallbacks taken", [](const ArmStats& s) { return std::to_string(s.fallbacks); }},
      {"cost", [](const ArmStats& s) { return FormatUsd(s.cost_usd); }},
  };
  return rows;
}

std::string Paint(const std::string& text, const char* code, bool colour) {
  return colour ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
}

void RenderTrace(std::ostringstream& out, const TraceResult& t, bool colour) {
  out << Paint(t.name, "1", colour);
  if (!t.description.empty()) out << ": " << t.description;
  out << "\n  " << t.file << ": " << FormatDuration(t.duration) << " of trace time in "
      << FormatFixed(t.wall_seconds, 1) << " s (" << FormatFixed(t.speed, 0) << "x), group \""
      << t.group << "\", seed " << t.seed << "\n\n";
  out << PadRight("", kLabelWidth + 2);
  for (const auto& a : t.arms) out << PadLeft(a.arm, kColumnWidth);
  out << "\n";
  for (const auto& row : Rows()) {
    out << "  " << PadRight(row.label, kLabelWidth);
    for (const auto& a : t.arms) out << PadLeft(row.value(a.stats), kColumnWidth);
    out << "\n";
  }
  for (const auto& a : t.arms) {
    if (a.stats.errors_by_kind.empty()) continue;
    out << "  " << PadRight("errors (" + a.arm + ")", kLabelWidth);
    std::string sep;
    for (const auto& [kind, n] : a.stats.errors_by_kind) {
      out << sep << kind << " " << n;
      sep = ", ";
    }
    out << "\n";
  }
  for (const auto& g : t.gates) {
    out << "  gate " << g.Name() << " " << (g.expect.is_max ? "<= " : ">= ")
        << FormatFixed(g.expect.bound, 4) << ": measured " << FormatFixed(g.value, 4) << "  "
        << (g.ok ? Paint("ok", "32", colour) : Paint("MISSED", "31;1", colour)) << "\n";
  }
  for (const auto& n : t.notes) out << "  note: " << n << "\n";
}

}  // namespace

std::string RenderTable(const BenchReport& report, bool colour) {
  std::ostringstream out;
  bool first = true;
  for (const auto& t : report.traces) {
    if (!first) out << "\n";
    first = false;
    RenderTrace(out, t, colour);
  }
  return out.str();
}

}  // namespace detour::bench
