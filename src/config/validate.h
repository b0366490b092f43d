// Internal to config/: checks across tables, run after every table has been read
// (SPEC 2.2): deployment ids (defaults, "#2" suffixes, duplicates), fallback maps (unknown
// groups, cycles) and router.default_model. Issues go through the reader.
#pragma once

#include "config/toml_reader.h"

namespace detour {

// Explicit ids must be unique; the others become "<provider>/<model>", then "#2", "#3"...
// skipping any id already taken.
void AssignDeploymentIds(TomlReader& r);

// Fallback maps and default_model against the groups the deployments define.
void ValidateRouting(TomlReader& r);

}  // namespace detour
