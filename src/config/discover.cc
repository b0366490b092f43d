// Config discovery (SPEC 1) and the entry point that falls back to the embedded default.
#include <filesystem>

#include "config/load.h"

namespace detour {
namespace {

std::optional<std::string> NonEmpty(const EnvLookup& env, const char* name) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

std::optional<std::string> DiscoverConfigPath(const std::string& explicit_path,
                                              const EnvLookup& env) {
  // An explicit or $DETOUR_CONFIG path is used even when missing: loading it then
  // reports that it cannot be read, rather than silently using something else.
  if (!explicit_path.empty()) return explicit_path;
  if (auto p = NonEmpty(env, "DETOUR_CONFIG")) return p;
  if (IsFile("detour.toml")) return std::string("detour.toml");
  std::string user;
  if (auto xdg = NonEmpty(env, "XDG_CONFIG_HOME"))
    user = *xdg + "/detour/config.toml";
  else if (auto home = NonEmpty(env, "HOME"))
    user = *home + "/.config/detour/config.toml";
  if (!user.empty() && IsFile(user)) return user;
  return std::nullopt;
}

Expected<Config, ConfigErrors> LoadDiscoveredConfig(const std::string& explicit_path,
                                                    const EnvLookup& env) {
  auto path = DiscoverConfigPath(explicit_path, env);
  if (!path) return EmbeddedDefaultConfig(env);
  return LoadConfigFile(*path, env);
}

}  // namespace detour
