#include "config/toml_reader.h"

#include <cctype>

#include "config/env_expand.h"
#include "config/values.h"
#include "util/suggest.h"

namespace detour {
namespace {

const char* TypeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

bool BareKey(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

constexpr const char* kDurationHint =
    "use e.g. \"250ms\", \"10s\", \"2m\", \"1h\" or a number of seconds";
constexpr const char* kSizeHint = "use e.g. \"8MiB\", \"512KB\" or a number of bytes";

}  // namespace

std::string UnknownName(const std::string& what, const std::string& value,
                        const std::vector<std::string>& allowed) {
  std::string hint = DidYouMean(value, allowed);
  if (hint.empty()) {
    hint = " (use ";
    for (size_t i = 0; i < allowed.size(); ++i)
      hint += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
    hint += ")";
  }
  return "unknown " + what + " \"" + value + "\"" + hint;
}

TomlReader::TomlReader(std::string file, const EnvLookup& env, LoadState* state)
    : file_(std::move(file)), env_(env), state_(state) {}

int TomlReader::Line(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::string TomlReader::Join(const std::string& path, const std::string& key) {
  std::string k = BareKey(key) ? key : "\"" + key + "\"";
  return path.empty() ? k : path + "." + k;
}

std::string TomlReader::Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void TomlReader::Issue(int line, const std::string& key_path, std::string message) {
  state_->errors.issues.push_back({file_, line, key_path, std::move(message)});
}

void TomlReader::UnknownKey(int line, const std::string& key_path, const std::string& key,
                            const std::vector<std::string>& known) {
  Issue(line, key_path, "unknown key \"" + key + "\"" + DidYouMean(key, known));
}

int TomlReader::LineOf(const std::string& key_path) const {
  auto it = state_->lines.find(key_path);
  return it == state_->lines.end() ? 0 : it->second;
}

void TomlReader::Remember(const toml::node& n, const std::string& path) {
  state_->lines[path] = Line(n);
}

void TomlReader::WrongType(const toml::node& n, const std::string& path, const char* expected) {
  Issue(Line(n), path, std::string("expected ") + expected + ", got " + TypeName(n.type()));
}

void TomlReader::ReportMiss(const EnvMiss& m) {
  Issue(m.line, m.key_path,
        "environment variable " + m.var + " is not set (set it, or write ${" + m.var +
            ":-default})");
}

std::optional<std::string> TomlReader::String(const toml::node& n, const std::string& path) {
  Remember(n, path);
  const auto* s = n.as_string();
  if (!s) {
    WrongType(n, path, "a string");
    return std::nullopt;
  }
  Expansion e = ExpandEnv(s->get(), env_);
  if (!e.malformed.empty()) {
    Issue(Line(n), path, e.malformed);
    return std::nullopt;
  }
  for (const auto& var : e.missing) {
    if (miss_sink_)
      miss_sink_->push_back({var, path, Line(n)});
    else
      ReportMiss({var, path, Line(n)});
  }
  return std::move(e.value);
}

std::optional<int64_t> TomlReader::Int(const toml::node& n, const std::string& path, int64_t min,
                                       int64_t max) {
  Remember(n, path);
  const auto* i = n.as_integer();
  if (!i) {
    WrongType(n, path, "an integer");
    return std::nullopt;
  }
  int64_t v = i->get();
  if (v < min || v > max) {
    Issue(Line(n), path,
          v < min ? "must be at least " + std::to_string(min)
                  : "must be at most " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<double> TomlReader::Number(const toml::node& n, const std::string& path,
                                         double min) {
  Remember(n, path);
  std::optional<double> v;
  if (const auto* i = n.as_integer()) v = static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) v = f->get();
  if (!v) {
    WrongType(n, path, "a number");
    return std::nullopt;
  }
  if (!(*v >= min)) {
    Issue(Line(n), path, "must be at least " + std::to_string(static_cast<int64_t>(min)));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TomlReader::Bool(const toml::node& n, const std::string& path) {
  Remember(n, path);
  if (const auto* b = n.as_boolean()) return b->get();
  WrongType(n, path, "a boolean (true or false)");
  return std::nullopt;
}

std::optional<Millis> TomlReader::Duration(const toml::node& n, const std::string& path) {
  std::optional<double> seconds;
  if (const auto* i = n.as_integer()) seconds = static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) seconds = f->get();
  if (seconds) {
    Remember(n, path);
    auto d = DurationFromSeconds(*seconds);
    if (!d) Issue(Line(n), path, std::string("invalid duration (") + kDurationHint + ")");
    return d;
  }
  if (!n.is_string()) {
    Remember(n, path);
    WrongType(n, path, "a duration such as \"10s\" or a number of seconds");
    return std::nullopt;
  }
  auto text = String(n, path);
  if (!text) return std::nullopt;
  auto d = ParseDuration(*text);
  if (!d) Issue(Line(n), path, "invalid duration \"" + *text + "\" (" + kDurationHint + ")");
  return d;
}

std::optional<size_t> TomlReader::Size(const toml::node& n, const std::string& path) {
  if (n.is_integer()) {
    auto v = Int(n, path, 0, INT64_MAX);
    if (!v) return std::nullopt;
    return static_cast<size_t>(*v);
  }
  if (!n.is_string()) {
    Remember(n, path);
    WrongType(n, path, "a size such as \"8MiB\" or a number of bytes");
    return std::nullopt;
  }
  auto text = String(n, path);
  if (!text) return std::nullopt;
  auto s = ParseSize(*text);
  if (!s) Issue(Line(n), path, "invalid size \"" + *text + "\" (" + kSizeHint + ")");
  return s;
}

std::optional<std::vector<std::string>> TomlReader::StringArray(const toml::node& n,
                                                                const std::string& path) {
  Remember(n, path);
  const auto* a = n.as_array();
  if (!a) {
    WrongType(n, path, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < a->size(); ++i) {
    auto s = String(*a->get(i), Index(path, i));
    if (s)
      out.push_back(*s);
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

const toml::table* TomlReader::Table(const toml::node& n, const std::string& path) {
  Remember(n, path);
  const auto* t = n.as_table();
  if (!t) WrongType(n, path, "a table");
  return t;
}

}  // namespace detour
