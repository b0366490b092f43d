#include "cli/status_table.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace detour {
namespace {

using Row = std::vector<std::string>;

// Columns padded to their widest cell (counted in code points, so the sparkline's
// three-byte blocks line up).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Table(const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], Width(r[i]));
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(widths[i] - Width(r[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string Usd(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v > 0 && v < 0.01 ? "$%.6f" : "$%.2f", v);
  return buf;
}

std::string Percent(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f %%", share * 100);
  return buf;
}

// Error rate per minute as block characters; a space for a minute without traffic.
std::string Spark(const Json& rates) {
  static const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string s;
  for (const auto& r : rates) {
    if (r.is_null()) s += " ";
    else s += kBlocks[std::min(7, static_cast<int>(std::lround(r.get<double>() * 7)))];
  }
  return s;
}

std::string StateText(const Json& d) {
  std::string state = d.value("state", "?");
  if (state == "cooling") {
    char buf[48];
    std::snprintf(buf, sizeof buf, "cooling (%.0f s left)", std::ceil(d.value("cooldown_remaining_s", 0.0)));
    return buf;
  }
  return state;
}

std::string DeploymentsTable(const Json& deployments) {
  std::vector<Row> rows{{"DEPLOYMENT", "GROUP", "STATE", "ERRORS 15m", "P50 now", "IN FLIGHT", "ERROR RATE / MIN (15 min)"}};
  for (const auto& d : deployments) {
    const Json& sp = d["sparkline"];
    long attempts = 0;
    double errors = 0;
    for (size_t i = 0; i < sp["attempts"].size(); ++i) {
      long n = sp["attempts"][i].get<long>();
      attempts += n;
      if (!sp["error_rate"][i].is_null()) errors += sp["error_rate"][i].get<double>() * n;
    }
    std::string p50 = "-";
    for (const auto& v : sp["p50_ms"])
      if (!v.is_null()) p50 = std::to_string(v.get<long>()) + " ms";
    rows.push_back({d.value("id", ""), d.value("model_group", ""), StateText(d),
                    attempts ? Percent(errors / attempts) : "-", p50, std::to_string(d.value("in_flight", 0)),
                    "[" + Spark(sp["error_rate"]) + "]"});
  }
  return Table(rows);
}

std::string GroupsTable(const Json& groups) {
  std::vector<Row> rows{{"GROUP", "SERVING NOW", "CHAIN"}};
  for (const auto& g : groups) {
    std::string serving;
    for (const auto& id : g["serving"]) serving += (serving.empty() ? "" : ", ") + id.get<std::string>();
    if (serving.empty()) serving = "nothing (down)";
    else if (g.value("via_fallback", false)) serving += " (via fallback " + g["via"].get<std::string>() + ")";
    std::string chain;
    for (const auto& c : g["chain"]) chain += (chain.empty() ? "" : " -> ") + c.get<std::string>();
    rows.push_back({g.value("name", ""), serving, chain});
  }
  return Table(rows);
}

std::string TeamsTable(const Json& teams) {
  std::vector<Row> rows{{"TEAM", "REQUESTS", "TOKENS", "COST TODAY", "BUDGET"}};
  for (const auto& t : teams) {
    std::string budget = "-";
    if (!t["budget"].is_null()) {
      const Json& b = t["budget"];
      double usd = b.value("usd", 0.0), spent = b.value("spent_usd", 0.0);
      budget = Usd(spent) + " of " + Usd(usd) + " per " + b.value("per", "") + " (" +
               (usd > 0 ? Percent(spent / usd) : std::string("-")) + ")" + (b.value("over", false) ? " OVER" : "");
    }
    long tokens = t.value("prompt_tokens", 0L) + t.value("completion_tokens", 0L);
    rows.push_back({t.value("team", ""), std::to_string(t.value("requests", 0L)), std::to_string(tokens),
                    Usd(t.value("cost_usd", 0.0)), budget});
  }
  return Table(rows);
}

std::string FailoversList(const Json& failovers) {
  std::string out = "FAILOVERS (last hour): " + std::to_string(failovers.size()) + "\n";
  size_t shown = 0;
  for (const auto& f : failovers) {
    if (++shown > 10) break;  // newest first; the page has the rest
    std::string to = f["to"].is_null() ? "failed" : f["to"].get<std::string>();
    out += "  " + f.value("time", "").substr(11, 8) + "  " + f.value("group", "") + "  " + f.value("from", "") +
           " -> " + to + "  " + f.value("reason", "") +
           (f.value("status", 0) ? " (" + std::to_string(f.value("status", 0)) + ")" : "") + "\n";
  }
  return out;
}

}  // namespace

std::string RenderStatusTable(const Json& s, const std::string& url) {
  std::string updated = s.value("generated_at", "");
  std::string out = "detour at " + url + ": " + s.value("status", "?") + " (updated " + updated + ")\n\n";
  out += GroupsTable(s["groups"]) + "\n";
  out += DeploymentsTable(s["deployments"]) + "\n";
  out += TeamsTable(s["teams"]) + "\n";
  out += FailoversList(s["failovers"]);
  return out;
}

}  // namespace detour
