#include "config/config.h"

#include <algorithm>

namespace detour {

std::vector<std::string> Config::GroupNames() const {
  std::vector<std::string> names;
  for (const auto& d : deployments)
    if (std::find(names.begin(), names.end(), d.model_name) == names.end())
      names.push_back(d.model_name);
  return names;
}

}  // namespace detour
