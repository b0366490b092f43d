// LoadConfigText / LoadConfigFile: parse with toml++, read every table, cross-check, and
// return the Config only when no issue was found.
#include "config/load.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/litellm.h"
#include "config/sections.h"
#include "config/validate.h"

namespace detour {
namespace {

const std::vector<Field<Config>>& TopLevelFields() {
  static const std::vector<Field<Config>> fields = {
      {"server", ReadServer}, {"router", ReadRouter}, {"deployments", ReadDeployments},
      {"cache", ReadCache},   {"usage", ReadUsage},   {"record", ReadRecord},
      {"telemetry", ReadTelemetry}, {"state", ReadState},
  };
  return fields;
}

ConfigErrors Unreadable(const std::string& file, int line, std::string message) {
  ConfigErrors e;
  e.unreadable = true;
  e.issues.push_back({file, line, "", std::move(message)});
  return e;
}

// toml++ walks tables in key order, not file order: report in file order.
void SortByLine(std::vector<ConfigIssue>& issues) {
  std::stable_sort(issues.begin(), issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    int la = a.line == 0 ? INT32_MAX : a.line, lb = b.line == 0 ? INT32_MAX : b.line;
    return la < lb;
  });
}

}  // namespace

std::string ConfigIssue::ToString() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!key_path.empty()) s += key_path + ": ";
  return s + message;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

// A LiteLLM config.yaml (by extension or content) goes through its converter (SPEC 2.4).
Expected<LintableConfig, ConfigErrors> LoadConfigTextForLint(const std::string& text,
                                                             const std::string& file,
                                                             const EnvLookup& env) {
  if (LooksLikeLiteLLM(file, text)) return LoadLiteLLMTextForLint(text, file, env);
  return LoadTomlTextForLint(text, file, env);
}

Expected<LintableConfig, ConfigErrors> LoadTomlTextForLint(const std::string& text,
                                                           const std::string& file,
                                                           const EnvLookup& env) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Fail(Unreadable(file, static_cast<int>(e.source().begin.line),
                           "invalid TOML: " + std::string(e.description())));
  }
  LoadState st;
  st.config.source = file;
  TomlReader reader(file, env, &st);
  ReadFields(reader, root, "", TopLevelFields(), st.config);
  AssignDeploymentIds(reader);
  ValidateRouting(reader);
  SortByLine(st.errors.issues);
  return LintableConfig{std::move(st.config), std::move(st.errors.issues), std::move(st.lines)};
}

Expected<Config, ConfigErrors> LoadConfigText(const std::string& text, const std::string& file,
                                              const EnvLookup& env) {
  auto loaded = LoadConfigTextForLint(text, file, env);
  if (!loaded) return Fail(std::move(loaded).error());
  if (!loaded->issues.empty()) return Fail(ConfigErrors{false, std::move(loaded->issues)});
  return std::move(loaded->config);
}

namespace {
// The file's text, or why it cannot be read.
Expected<std::string, ConfigErrors> ReadConfigText(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Fail(Unreadable(path, 0, "cannot read the config file: it is a directory"));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail(Unreadable(path, 0, "cannot read the config file: " +
                                        std::string(std::strerror(errno))));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Fail(Unreadable(path, 0, "cannot read the config file: read error"));
  return text.str();
}
}  // namespace

Expected<Config, ConfigErrors> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  auto text = ReadConfigText(path);
  if (!text) return Fail(std::move(text).error());
  return LoadConfigText(*text, path, env);
}

Expected<LintableConfig, ConfigErrors> LoadConfigFileForLint(const std::string& path,
                                                             const EnvLookup& env) {
  auto text = ReadConfigText(path);
  if (!text) return Fail(std::move(text).error());
  return LoadConfigTextForLint(*text, path, env);
}

}  // namespace detour
