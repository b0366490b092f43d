// The doctest runner. Info lines (e.g. background probes recovering) would only clutter
// the test output, so the log starts at warn; a test may lower or raise it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "util/log.h"

int main(int argc, char** argv) {
  detour::log::SetLevel(detour::log::Level::kWarn);
  doctest::Context context(argc, argv);
  return context.run();
}
