#include "config/values.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace detour {
namespace {

// Reads an unsigned decimal number ("12", "1.5") from the front of `s`.
std::optional<double> TakeNumber(std::string_view& s) {
  size_t i = 0;
  bool digits = false, dot = false;
  while (i < s.size()) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
    ++i;
  }
  if (!digits) return std::nullopt;
  // strtod, not stod: hundreds of digits overflow to HUGE_VAL (rejected by the callers'
  // range checks) instead of throwing out of the config loader.
  double v = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
  s.remove_prefix(i);
  return v;
}

std::string_view TakeUnit(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
  std::string_view unit = s.substr(0, i);
  s.remove_prefix(i);
  return unit;
}

std::optional<double> UnitMillis(std::string_view unit) {
  if (unit == "ms") return 1.0;
  if (unit == "s") return 1000.0;
  if (unit == "m") return 60000.0;
  if (unit == "h") return 3600000.0;
  return std::nullopt;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> UnitBytes(std::string_view unit) {
  std::string u = Lower(unit);
  if (u.empty() || u == "b") return 1.0;
  if (u == "kb") return 1e3;
  if (u == "mb") return 1e6;
  if (u == "gb") return 1e9;
  if (u == "kib") return 1024.0;
  if (u == "mib") return 1024.0 * 1024;
  if (u == "gib") return 1024.0 * 1024 * 1024;
  return std::nullopt;
}

constexpr double kMaxMillis = 1e12;  // ~31 years: anything longer is a typo

}  // namespace

std::optional<Millis> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    auto number = TakeNumber(text);
    if (!number) return std::nullopt;
    auto factor = UnitMillis(TakeUnit(text));
    if (!factor) return std::nullopt;
    total += *number * *factor;
  }
  if (total > kMaxMillis) return std::nullopt;
  return Millis(static_cast<int64_t>(std::llround(total)));
}

std::optional<Millis> DurationFromSeconds(double seconds) {
  if (!(seconds >= 0) || seconds * 1000 > kMaxMillis) return std::nullopt;
  return Millis(static_cast<int64_t>(std::llround(seconds * 1000)));
}

std::optional<size_t> ParseSize(std::string_view text) {
  auto number = TakeNumber(text);
  if (!number) return std::nullopt;
  auto factor = UnitBytes(TakeUnit(text));
  if (!factor || !text.empty()) return std::nullopt;
  double bytes = *number * *factor;
  if (bytes > 1e15) return std::nullopt;
  return static_cast<size_t>(std::llround(bytes));
}

}  // namespace detour
