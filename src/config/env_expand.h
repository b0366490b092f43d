// Environment references inside config strings (SPEC 2.1): "${VAR}", "${VAR:-default}"
// anywhere in a string, and LiteLLM's whole-string form "os.environ/VAR".
// Pure given the lookup; thread-safe if the lookup is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/load.h"

namespace detour {

struct Expansion {
  std::string value;                  // the string with every reference replaced
  std::vector<std::string> missing;   // variables unset (or empty) with no default
  std::string malformed;              // non-empty: what is wrong with a reference
};

// A variable set to the empty string counts as unset: "${KEY}" with KEY="" is no key,
// and "${VAR:-d}" uses d (as the shell does). Missing variables expand to "".
Expansion ExpandEnv(std::string_view text, const EnvLookup& env);

}  // namespace detour
