// Scalar value syntax of the config (SPEC 2.1): durations and sizes written as strings.
// Pure functions, no state; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "model/types.h"

namespace detour {

// "250ms", "10s", "2m", "1h", "1.5s", "1m30s". Units: ms, s, m, h. No sign, no spaces.
// nullopt when malformed.
std::optional<Millis> ParseDuration(std::string_view text);

// Seconds given as a TOML number (10 -> 10 s, 0.25 -> 250 ms). nullopt when negative or huge.
std::optional<Millis> DurationFromSeconds(double seconds);

// "8MiB", "512KB", "100B", "1024". Units (case-insensitive): B, KB, MB, GB (powers of 1000),
// KiB, MiB, GiB (powers of 1024). Fractions allowed ("1.5MiB"). nullopt when malformed.
std::optional<size_t> ParseSize(std::string_view text);

}  // namespace detour
