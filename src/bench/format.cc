#include "bench/format.h"

#include <cmath>
#include <cstdio>

namespace detour::bench {

std::string FormatFixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string FormatMs(double ms) {
  if (ms < 1000) return FormatFixed(std::round(ms), 0) + " ms";
  if (ms < 60000) return FormatFixed(ms / 1000, 2) + " s";
  long s = std::lround(ms / 1000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ldm %02lds", s / 60, s % 60);
  return buf;
}

std::string FormatPercent(double share) { return FormatFixed(share * 100, 2) + "%"; }

std::string FormatUsd(double usd) { return "$" + FormatFixed(usd, 4); }

std::string FormatDuration(Millis d) {
  long s = static_cast<long>(d.count() / 1000);
  long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  std::string out;
  if (h) out += std::to_string(h) + "h";
  if (m) out += (out.empty() ? "" : " ") + std::to_string(m) + "m";
  if (sec || out.empty()) out += (out.empty() ? "" : " ") + std::to_string(sec) + "s";
  return out;
}

const char* FaultLabel(FaultKind kind) {
  switch (kind) {
    case FaultKind::kHttpError: return "http_error";
    case FaultKind::kRateLimit: return "rate_limit";
    case FaultKind::kHang: return "hang";
    case FaultKind::kReset: return "reset";
    case FaultKind::kSlow: return "slow";
    case FaultKind::kStreamCut: return "stream_cut";
    case FaultKind::kStall: return "stall";
    case FaultKind::kMalformedChunk: return "malformed_chunk";
    case FaultKind::kNoDone: return "no_done";
    case FaultKind::kContextWindow: return "context_window";
    case FaultKind::kContentPolicy: return "content_policy";
  }
  return "fault";
}

}  // namespace detour::bench
