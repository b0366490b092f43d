#include "model/error.h"

#include <array>

namespace detour {
namespace {
constexpr std::array<std::string_view, kErrorKindCount> kNames = {
    "timeout",       "connection",     "rate_limit",  "server_error", "auth",       "not_found",
    "context_window", "content_policy", "bad_request", "canceled",     "unavailable"};
}

std::string_view KindName(ErrorKind kind) { return kNames[static_cast<int>(kind)]; }

std::optional<ErrorKind> KindFromName(std::string_view name) {
  for (int i = 0; i < kErrorKindCount; ++i)
    if (kNames[i] == name) return static_cast<ErrorKind>(i);
  return std::nullopt;
}

}  // namespace detour
