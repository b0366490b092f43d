// Fuzz target: the LiteLLM config import (config/litellm.h: yaml-cpp, then the conversion
// to detour TOML, then the TOML loader), i.e. what `detour --config config.yaml` and
// `detour config convert` do with a user's YAML. ${VAR} and os.environ/VAR references meet
// a fixed fake environment.
//
// Checked, beyond "no crash, no sanitizer report, no exception escaping the importer":
// - a rejected file reports at least one issue, each with a message;
// - a converted file's TOML maps each of its lines to a YAML line (yaml_lines has one
//   entry per TOML line, each 0 or a line of the input), and loading it through the lint
//   path never throws.
#include <algorithm>
#include <optional>
#include <string>

#include "config/litellm.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto converted = detour::ConvertLiteLLM(text, "fuzz.yaml", detour::SecretStyle::kReference);
  if (!converted.ok()) {
    FUZZ_CHECK(!converted.error().issues.empty() || converted.error().unreadable);
    for (const auto& issue : converted.error().issues) FUZZ_CHECK(!issue.message.empty());
    return 0;
  }
  int yaml_lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  int toml_lines = static_cast<int>(std::count(converted->toml.begin(), converted->toml.end(), '\n'));
  FUZZ_CHECK(static_cast<int>(converted->yaml_lines.size()) >= toml_lines);
  for (int line : converted->yaml_lines) FUZZ_CHECK(line >= 0 && line <= yaml_lines);
  static const detour::EnvLookup env = detour::fuzz::FakeEnv;
  auto loaded = detour::LoadLiteLLMTextForLint(text, "fuzz.yaml", env);
  if (!loaded.ok()) {
    for (const auto& issue : loaded.error().issues) FUZZ_CHECK(!issue.message.empty());
  }
  return 0;
}
