// Internal to config/litellm*: the draft of the detour TOML that a LiteLLM config.yaml is
// read into (keys in the order they will be written, each remembering its YAML line and
// key path), the typed YAML reads that record issues, and the readers of each section.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/litellm.h"

namespace detour::litellm {

// One `key = literal` line of the draft.
struct Entry {
  std::string key;        // TOML key as written (quoted when not bare)
  std::string literal;    // TOML value
  int line = 0;           // YAML line it came from
  std::string yaml_path;  // YAML key path it came from
  std::string comment;    // written on the line above when not empty
};

struct Section {
  explicit Section(std::string h = "", bool is_array = false) : header(std::move(h)), array(is_array) {}
  std::string header;  // "router", "router.retry_policy", "deployments" (an array table)
  bool array = false;
  int line = 0;
  std::string yaml_path;
  std::vector<std::string> comments;  // written above the header
  std::vector<Entry> entries;
  void Set(Entry e);  // replaces the entry with the same key, else appends
  bool Has(const std::string& key) const;
};

struct FallbackList {
  std::string group;
  std::vector<std::string> targets;
  int line = 0;
  std::string yaml_path;
};

enum FallbackKind { kGeneral = 0, kContextWindow = 1, kContentPolicy = 2 };

struct Draft {
  std::string file;
  SecretStyle secrets = SecretStyle::kInline;
  Section server{"server"}, router{"router"}, retry_policy{"router.retry_policy"}, cache{"cache"};
  std::vector<FallbackList> fallbacks[3];  // per FallbackKind, in file order
  std::optional<FallbackList> default_fallbacks;
  std::vector<Section> deployments;
  std::vector<std::string> groups;    // model_name values in order
  std::vector<std::string> dropped;   // "# dropped ..." lines for the top of the output
  std::vector<ConfigIssue> errors, warnings;
  std::vector<std::string> secret_vars;  // variables invented for plain-text keys
  bool any_order = false;
};

std::string JoinPath(const std::string& path, const std::string& key);  // quotes like TOML
std::string IndexPath(const std::string& path, size_t i);
std::string TomlKey(const std::string& key);           // bare, or a quoted string
std::string TomlString(const std::string& value);      // a basic string, escaped
std::string DurationLiteral(double seconds);           // "30s", "1500ms"
// A YAML string value as a TOML literal: "os.environ/VAR" becomes "${VAR}".
std::string ValueLiteral(const std::string& value);
// "os.environ/VAR" -> "VAR", else "".
std::string EnvRef(const std::string& value);

// Typed reads from YAML nodes; a read that fails records an error and returns nullopt.
class Reader {
 public:
  explicit Reader(Draft& d) : d_(d) {}
  static int Line(const YAML::Node& n);  // 1-based; 0 when unknown
  void Error(int line, const std::string& path, std::string message);
  void Warn(int line, const std::string& path, std::string message);
  // A key dropped on purpose: a warning and a comment in the output.
  void Drop(int line, const std::string& path, const std::string& why);
  std::optional<std::string> Scalar(const YAML::Node& n, const std::string& path);
  std::optional<double> Number(const YAML::Node& n, const std::string& path, double min);
  std::optional<int64_t> Int(const YAML::Node& n, const std::string& path, int64_t min);
  std::optional<bool> Bool(const YAML::Node& n, const std::string& path);
  bool IsMap(const YAML::Node& n, const std::string& path);
  bool IsList(const YAML::Node& n, const std::string& path);
  std::optional<std::vector<std::string>> StringList(const YAML::Node& n, const std::string& path);
  Draft& draft() { return d_; }

 private:
  Draft& d_;
};

// A mapping's supported keys, the keys dropped with a warning, and what an unknown key
// means. Every key is visited in file order.
template <class T>
struct Key {
  std::string name;
  std::function<void(Reader&, const YAML::Node& value, int line, const std::string& path, T&)> read;
};
struct Dropped {
  std::string name;
  std::string why;
};
void UnknownKey(Reader& r, int line, const std::string& path, const std::string& key,
                std::vector<std::string> known, const std::string& why);

template <class T>
void ReadKeys(Reader& r, const YAML::Node& map, const std::string& path,
              const std::vector<Key<T>>& keys, const std::vector<Dropped>& dropped,
              const std::string& unknown_why, T& out) {
  if (!r.IsMap(map, path)) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string k = it->first.Scalar();
    int line = Reader::Line(it->first);
    std::string p = JoinPath(path, k);
    bool done = false;
    for (const auto& key : keys)
      if (key.name == k) {
        key.read(r, it->second, line, p, out);
        done = true;
      }
    for (const auto& d : dropped)
      if (!done && d.name == k) {
        r.Drop(line, p, d.why);
        done = true;
      }
    if (done) continue;
    std::vector<std::string> known;
    for (const auto& key : keys) known.push_back(key.name);
    UnknownKey(r, line, p, k, known, unknown_why);
  }
}

void ReadModelList(Reader& r, const YAML::Node& n, const std::string& path);
void ReadRouterSettings(Reader& r, const YAML::Node& n, const std::string& path);
void ReadLitellmSettings(Reader& r, const YAML::Node& n, const std::string& path);
void ReadGeneralSettings(Reader& r, const YAML::Node& n, const std::string& path);
// After every section: default fallbacks spread over the groups, order -> priority.
void Finish(Draft& d);
// The TOML text with its line origins and key-path map.
LiteLLMConversion Render(const Draft& d);

}  // namespace detour::litellm
