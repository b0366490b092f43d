// Number formatting shared by bench's renderers.
#pragma once

#include <string>

#include "config/trace.h"
#include "model/types.h"

namespace detour::bench {

std::string FormatMs(double ms);          // "412 ms", "2.41 s", "1m 05s"
std::string FormatPercent(double share);  // 0.1234 -> "12.34%"
std::string FormatUsd(double usd);        // "$1.2345"
std::string FormatFixed(double v, int decimals);
std::string FormatDuration(Millis d);     // "30m", "1h 30m", "45s"
const char* FaultLabel(FaultKind kind);   // "http_error", as traces spell it

}  // namespace detour::bench
