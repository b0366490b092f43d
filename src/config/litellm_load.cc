// ConvertLiteLLM (YAML -> draft -> TOML) and the YAML load path: the TOML loader runs over
// the conversion, and its issues are mapped back to the YAML's lines and key paths.
#include <algorithm>
#include <cctype>
#include <climits>
#include <sstream>

#include "config/litellm_internal.h"
#include "util/log.h"

namespace detour {
namespace {

ConfigErrors Unreadable(const std::string& file, int line, std::string message) {
  ConfigErrors e;
  e.unreadable = true;
  e.issues.push_back({file, line, "", std::move(message)});
  return e;
}

bool EndsWith(std::string s, const std::string& suffix) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Top-level order does not matter in YAML; LiteLLM lets router_settings override
// litellm_settings, so that one is read first.
void ReadTop(litellm::Reader& r, const YAML::Node& root) {
  using namespace litellm;
  static const std::vector<std::string> kKnown = {"model_list", "router_settings",
                                                  "litellm_settings", "general_settings"};
  for (auto it = root.begin(); it != root.end(); ++it) {
    std::string k = it->first.Scalar();
    if (std::find(kKnown.begin(), kKnown.end(), k) != kKnown.end()) continue;
    std::string why = k == "environment_variables"
                          ? "set these variables in the environment detour runs in"
                          : "see README \"Coming from LiteLLM\"";
    UnknownKey(r, Reader::Line(it->first), k, k, kKnown, why);
  }
  ReadModelList(r, root["model_list"], "model_list");
  if (root["general_settings"]) ReadGeneralSettings(r, root["general_settings"], "general_settings");
  if (root["litellm_settings"]) ReadLitellmSettings(r, root["litellm_settings"], "litellm_settings");
  if (root["router_settings"]) ReadRouterSettings(r, root["router_settings"], "router_settings");
}

// The YAML key path for a TOML one: the longest mapped prefix, the rest kept.
std::string YamlPath(const LiteLLMConversion& c, const std::string& toml_path) {
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& m : c.paths) {
    const std::string& p = m.first;
    bool prefix = toml_path.rfind(p, 0) == 0 &&
                  (toml_path.size() == p.size() || toml_path[p.size()] == '.' || toml_path[p.size()] == '[');
    if (prefix && !m.second.empty() && (!best || p.size() > best->first.size())) best = &m;
  }
  return best ? best->second + toml_path.substr(best->first.size()) : toml_path;
}

int YamlLine(const LiteLLMConversion& c, int toml_line) {
  if (toml_line < 1 || toml_line > static_cast<int>(c.yaml_lines.size())) return 0;
  return c.yaml_lines[toml_line - 1];
}

void SortByLine(std::vector<ConfigIssue>& issues) {
  std::stable_sort(issues.begin(), issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    return (a.line == 0 ? INT_MAX : a.line) < (b.line == 0 ? INT_MAX : b.line);
  });
}

}  // namespace

bool LooksLikeLiteLLM(const std::string& file, const std::string& text) {
  if (EndsWith(file, ".yaml") || EndsWith(file, ".yml")) return true;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    for (const char* k : {"model_list:", "router_settings:", "litellm_settings:", "general_settings:"})
      if (line.rfind(k, 0) == 0) return true;
  return false;
}

Expected<LiteLLMConversion, ConfigErrors> ConvertLiteLLM(const std::string& text,
                                                         const std::string& file,
                                                         SecretStyle secrets) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Fail(Unreadable(file, e.mark.line < 0 ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg));
  }
  if (!root.IsMap())
    return Fail(Unreadable(file, 0, "not a LiteLLM config: expected a mapping with a model_list"));
  if (!root["model_list"])
    return Fail(Unreadable(
        file, 0,
        "no model_list: this looks like a fragment of a LiteLLM config (router_settings only); "
        "detour needs the deployments too: add a model_list (see examples/litellm/)"));
  litellm::Draft d;
  d.file = file;
  d.secrets = secrets;
  litellm::Reader r(d);
  try {
    ReadTop(r, root);
  } catch (const YAML::Exception& e) {  // a read the typed helpers did not guard
    return Fail(Unreadable(file, e.mark.line < 0 ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg));
  }
  litellm::Finish(d);
  auto out = litellm::Render(d);
  SortByLine(out.errors);
  return out;
}

Expected<LintableConfig, ConfigErrors> LoadLiteLLMTextForLint(const std::string& text,
                                                              const std::string& file,
                                                              const EnvLookup& env) {
  auto conv = ConvertLiteLLM(text, file, SecretStyle::kInline);
  if (!conv) return Fail(std::move(conv).error());
  for (const auto& w : conv->warnings) log::Warn(w.ToString());
  auto loaded = LoadTomlTextForLint(conv->toml, file, env);
  if (!loaded) {  // the conversion wrote TOML the loader cannot parse: a bug here
    ConfigErrors e = std::move(loaded).error();
    for (auto& i : e.issues) i.message = "internal error converting the LiteLLM config: " + i.message;
    return Fail(std::move(e));
  }
  std::vector<ConfigIssue> issues = conv->errors;
  for (auto& i : loaded->issues) {
    i.line = YamlLine(*conv, i.line);
    i.key_path = YamlPath(*conv, i.key_path);
    issues.push_back(std::move(i));
  }
  SortByLine(issues);
  loaded->issues = std::move(issues);
  for (auto& [path, line] : loaded->lines) line = YamlLine(*conv, line);
  for (auto& d : loaded->config.deployments) d.line = YamlLine(*conv, d.line);
  return std::move(loaded.value());
}

}  // namespace detour
