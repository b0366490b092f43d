// Internal to config/: typed reads from a parsed toml++ tree. Every read that fails
// (wrong type, bad duration or size, out of range, unset variable) records a ConfigIssue
// with file:line and key path and returns nullopt, so loading goes on and reports ALL
// problems. Strings are expanded (${VAR}, os.environ/VAR) as they are read.
// One reader per load; not thread-safe.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/load.h"

namespace detour {

// An unset variable met while reading, kept aside so the caller decides what it means
// (a deployment's api_key: unusable deployment; elsewhere: an issue).
struct EnvMiss {
  std::string var;
  std::string key_path;
  int line = 0;
};

// Everything a load accumulates.
struct LoadState {
  Config config;
  ConfigErrors errors;
  std::map<std::string, int> lines;  // key path -> line of every value read
  // Per deployment, parallel to config.deployments:
  std::vector<bool> explicit_id;                // id given in the file
  std::vector<std::string> deployment_paths;    // "deployments[3]"
};

class TomlReader {
 public:
  TomlReader(std::string file, const EnvLookup& env, LoadState* state);

  void Issue(int line, const std::string& key_path, std::string message);
  void UnknownKey(int line, const std::string& key_path, const std::string& key,
                  const std::vector<std::string>& known);
  int LineOf(const std::string& key_path) const;
  void ReportMiss(const EnvMiss& miss);

  std::optional<std::string> String(const toml::node& n, const std::string& path);
  std::optional<int64_t> Int(const toml::node& n, const std::string& path, int64_t min,
                             int64_t max = INT_MAX);
  std::optional<double> Number(const toml::node& n, const std::string& path, double min);
  std::optional<bool> Bool(const toml::node& n, const std::string& path);
  std::optional<Millis> Duration(const toml::node& n, const std::string& path);
  std::optional<size_t> Size(const toml::node& n, const std::string& path);
  std::optional<std::vector<std::string>> StringArray(const toml::node& n,
                                                      const std::string& path);
  const toml::table* Table(const toml::node& n, const std::string& path);

  // While set, unset variables go to `sink` instead of becoming issues.
  void set_miss_sink(std::vector<EnvMiss>* sink) { miss_sink_ = sink; }
  LoadState& state() { return *state_; }
  const EnvLookup& env() const { return env_; }

  static int Line(const toml::node& n);
  static std::string Join(const std::string& path, const std::string& key);
  static std::string Index(const std::string& path, size_t i);

 private:
  void Remember(const toml::node& n, const std::string& path);
  void WrongType(const toml::node& n, const std::string& path, const char* expected);

  std::string file_;
  EnvLookup env_;  // a copy: callers may pass a temporary (ProcessEnv())
  LoadState* state_;
  std::vector<EnvMiss>* miss_sink_ = nullptr;
};

// "unknown strategy \"x\" (did you mean \"y\"?)", or with the list of allowed names when
// nothing is close.
std::string UnknownName(const std::string& what, const std::string& value,
                        const std::vector<std::string>& allowed);

// A table's known keys and how to read each into T. Unknown keys become issues with a
// did-you-mean over the known names.
template <class T>
struct Field {
  std::string name;
  std::function<void(TomlReader&, const toml::node&, const std::string&, T&)> read;
};

template <class T>
void ReadFields(TomlReader& r, const toml::table& table, const std::string& path,
                const std::vector<Field<T>>& fields, T& out) {
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  for (auto&& [key, node] : table) {
    std::string k(key.str());
    std::string p = TomlReader::Join(path, k);
    const Field<T>* field = nullptr;
    for (const auto& f : fields)
      if (f.name == k) field = &f;
    if (field)
      field->read(r, node, p, out);
    else
      r.UnknownKey(TomlReader::Line(node), p, k, names);
  }
}

// Field makers for the common shapes: a member set from a typed read.
template <class T, class M>
Field<T> DurationField(std::string name, M T::*member) {
  return {std::move(name), [member](TomlReader& r, const toml::node& n, const std::string& p,
                                    T& out) {
            if (auto v = r.Duration(n, p)) out.*member = *v;
          }};
}
template <class T, class M>
Field<T> IntField(std::string name, M T::*member, int64_t min, int64_t max = INT_MAX) {
  return {std::move(name), [member, min, max](TomlReader& r, const toml::node& n,
                                              const std::string& p, T& out) {
            if (auto v = r.Int(n, p, min, max)) out.*member = static_cast<int>(*v);
          }};
}
template <class T>
Field<T> BoolField(std::string name, bool T::*member) {
  return {std::move(name), [member](TomlReader& r, const toml::node& n, const std::string& p,
                                    T& out) {
            if (auto v = r.Bool(n, p)) out.*member = *v;
          }};
}
template <class T>
Field<T> StringField(std::string name, std::string T::*member) {
  return {std::move(name), [member](TomlReader& r, const toml::node& n, const std::string& p,
                                    T& out) {
            if (auto v = r.String(n, p)) out.*member = *v;
          }};
}

}  // namespace detour
