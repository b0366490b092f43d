#include <doctest/doctest.h>

#include <string>

#include "config/values.h"

namespace detour {
namespace {

TEST_CASE("ParseDuration accepts ms, s, m, h, fractions and compounds") {
  CHECK(ParseDuration("250ms") == Millis(250));
  CHECK(ParseDuration("10s") == Millis(10000));
  CHECK(ParseDuration("2m") == Millis(120000));
  CHECK(ParseDuration("1h") == Millis(3600000));
  CHECK(ParseDuration("1.5s") == Millis(1500));
  CHECK(ParseDuration("1m30s") == Millis(90000));
  CHECK(ParseDuration("0s") == Millis(0));
}

TEST_CASE("ParseDuration rejects malformed text") {
  for (const char* bad : {"", "10", "10 s", "-1s", "10sec", "s", "1d", "1.2.3s", "5s ", "ms10"})
    CHECK_MESSAGE(!ParseDuration(bad), bad);
}

TEST_CASE("ParseDuration and ParseSize reject numbers too long for a double") {
  // Found by fuzzing (tests/fuzz/corpus/config/regress-huge-number): std::stod threw
  // std::out_of_range out of the loader.
  std::string digits(400, '9');
  CHECK_FALSE(ParseDuration(digits + "s"));
  CHECK_FALSE(ParseDuration("1s" + digits + "ms"));
  CHECK_FALSE(ParseSize(digits));
  CHECK(ParseSize("0." + digits + "KiB") == size_t{1024});  // long fractions still work
}

TEST_CASE("DurationFromSeconds converts numbers of seconds") {
  CHECK(DurationFromSeconds(10) == Millis(10000));
  CHECK(DurationFromSeconds(0.25) == Millis(250));
  CHECK_FALSE(DurationFromSeconds(-1));
}

TEST_CASE("ParseSize accepts binary and decimal units and plain bytes") {
  CHECK(ParseSize("8MiB") == size_t{8} << 20);
  CHECK(ParseSize("512KB") == size_t{512000});
  CHECK(ParseSize("512kb") == size_t{512000});
  CHECK(ParseSize("1.5KiB") == size_t{1536});
  CHECK(ParseSize("100B") == size_t{100});
  CHECK(ParseSize("1024") == size_t{1024});
  CHECK(ParseSize("1GB") == size_t{1000000000});
  CHECK(ParseSize("2GiB") == size_t{2} << 30);
}

TEST_CASE("ParseSize rejects malformed text") {
  for (const char* bad : {"", "8 MiB", "MiB", "8XB", "-1", "8MiB!"})
    CHECK_MESSAGE(!ParseSize(bad), bad);
}

}  // namespace
}  // namespace detour
