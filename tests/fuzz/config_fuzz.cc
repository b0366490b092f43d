// Fuzz target: the config loader (config/load.h: LoadConfigText, the in-memory form of
// LoadConfigFile). The input is a config file's text; ${VAR} references meet a fixed fake
// environment (names starting with "UNSET" are unset, every other name has a value), so
// a run never depends on the machine.
//
// Checked, beyond "no crash, no sanitizer report, no exception escaping the loader":
// - a rejected config reports at least one issue, each with a message, in line order
//   (issues without a line last);
// - an accepted config names its source and has unique deployment ids.
#include <optional>
#include <set>
#include <string>

#include "config/load.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  static const detour::EnvLookup env = detour::fuzz::FakeEnv;
  auto loaded = detour::LoadConfigText(text, "fuzz.toml", env);
  if (!loaded.ok()) {
    const auto& issues = loaded.error().issues;
    FUZZ_CHECK(!issues.empty());
    int last = 1;
    for (const auto& issue : issues) {
      FUZZ_CHECK(!issue.message.empty() && !issue.ToString().empty());
      int line = issue.line == 0 ? INT32_MAX : issue.line;
      FUZZ_CHECK(line >= last);
      last = line;
    }
    return 0;
  }
  FUZZ_CHECK(loaded->source == "fuzz.toml");
  std::set<std::string> ids;
  for (const auto& d : loaded->deployments) FUZZ_CHECK(ids.insert(d.id).second);
  return 0;
}
