// The draft's helpers: TOML literals and key paths spelled exactly as the TOML loader
// spells them (so its issues map back to YAML), the typed YAML reads, and the rendering.
#include <cmath>
#include <cstdio>

#include "config/litellm_internal.h"
#include "util/suggest.h"

namespace detour::litellm {
namespace {

bool Bare(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-'))
      return false;
  return true;
}

const char* Kind(YAML::NodeType::value t) {
  switch (t) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    default: return "a scalar";
  }
}

}  // namespace

std::string JoinPath(const std::string& path, const std::string& key) {
  std::string k = Bare(key) ? key : "\"" + key + "\"";
  return path.empty() ? k : path + "." + k;
}

std::string IndexPath(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string TomlString(const std::string& value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string TomlKey(const std::string& key) { return Bare(key) ? key : TomlString(key); }

std::string DurationLiteral(double seconds) {
  long long ms = std::llround(seconds * 1000);
  if (ms % 1000 == 0) return "\"" + std::to_string(ms / 1000) + "s\"";
  return "\"" + std::to_string(ms) + "ms\"";
}

std::string EnvRef(const std::string& value) {
  static const std::string kPrefix = "os.environ/";
  if (value.rfind(kPrefix, 0) != 0 || value.size() == kPrefix.size()) return "";
  return value.substr(kPrefix.size());
}

std::string ValueLiteral(const std::string& value) {
  std::string var = EnvRef(value);
  return TomlString(var.empty() ? value : "${" + var + "}");
}

void Section::Set(Entry e) {
  for (auto& have : entries)
    if (have.key == e.key) {
      have = std::move(e);
      return;
    }
  entries.push_back(std::move(e));
}

bool Section::Has(const std::string& key) const {
  for (const auto& e : entries)
    if (e.key == key) return true;
  return false;
}

int Reader::Line(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  int line = n.Mark().line;
  return line < 0 ? 0 : line + 1;
}

void Reader::Error(int line, const std::string& path, std::string message) {
  d_.errors.push_back({d_.file, line, path, std::move(message)});
}

void Reader::Warn(int line, const std::string& path, std::string message) {
  d_.warnings.push_back({d_.file, line, path, std::move(message)});
}

void Reader::Drop(int line, const std::string& path, const std::string& why) {
  Warn(line, path, "dropped: " + why);
  d_.dropped.push_back("# dropped " + path + " (" + d_.file + ":" + std::to_string(line) +
                       "): " + why);
}

std::optional<std::string> Reader::Scalar(const YAML::Node& n, const std::string& path) {
  if (n.IsScalar()) return n.Scalar();
  Error(Line(n), path, std::string("expected a string, found ") + Kind(n.Type()));
  return std::nullopt;
}

std::optional<double> Reader::Number(const YAML::Node& n, const std::string& path, double min) {
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v)) {
    Error(Line(n), path, "expected a number");
    return std::nullopt;
  }
  if (v < min) {
    Error(Line(n), path, "must be at least " + std::to_string(static_cast<long long>(min)));
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> Reader::Int(const YAML::Node& n, const std::string& path, int64_t min) {
  long long v = 0;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) {
    Error(Line(n), path, "expected a whole number");
    return std::nullopt;
  }
  if (v < min) {
    Error(Line(n), path, "must be at least " + std::to_string(min));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::Bool(const YAML::Node& n, const std::string& path) {
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    Error(Line(n), path, "expected true or false");
    return std::nullopt;
  }
  return v;
}

bool Reader::IsMap(const YAML::Node& n, const std::string& path) {
  if (n.IsMap()) return true;
  Error(Line(n), path, std::string("expected a mapping, found ") + Kind(n.Type()));
  return false;
}

bool Reader::IsList(const YAML::Node& n, const std::string& path) {
  if (n.IsSequence()) return true;
  Error(Line(n), path, std::string("expected a list, found ") + Kind(n.Type()));
  return false;
}

std::optional<std::vector<std::string>> Reader::StringList(const YAML::Node& n,
                                                           const std::string& path) {
  if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};  // `a: b` means [b]
  if (!IsList(n, path)) return std::nullopt;
  std::vector<std::string> out;
  for (size_t i = 0; i < n.size(); ++i) {
    auto s = Scalar(n[i], IndexPath(path, i));
    if (!s) return std::nullopt;
    out.push_back(*s);
  }
  return out;
}

void UnknownKey(Reader& r, int line, const std::string& path, const std::string& key,
                std::vector<std::string> known, const std::string& why) {
  r.Error(line, path,
          "LiteLLM key \"" + key + "\" is not supported by detour" + DidYouMean(key, known) +
              (why.empty() ? "" : ": " + why));
}

namespace {

class Renderer {
 public:
  explicit Renderer(LiteLLMConversion& out) : out_(out) {}

  void Add(const std::string& text, int yaml_line) {
    out_.toml += text + "\n";
    out_.yaml_lines.push_back(yaml_line);
  }

  void Write(const Section& s, const std::string& toml_path) {
    Add("", 0);
    for (const auto& c : s.comments) Add("# " + c, s.line);
    Add(s.array ? "[[" + s.header + "]]" : "[" + s.header + "]", s.line);
    if (!s.yaml_path.empty()) out_.paths.emplace_back(toml_path, s.yaml_path);
    for (const auto& e : s.entries) {
      if (!e.comment.empty()) Add("# " + e.comment, e.line);
      Add(TomlKey(e.key) + " = " + e.literal, e.line);
      out_.paths.emplace_back(JoinPath(toml_path, e.key), e.yaml_path);
    }
  }

 private:
  LiteLLMConversion& out_;
};

Section FallbackSection(const char* header, const std::vector<FallbackList>& lists) {
  Section s{header};
  for (const auto& l : lists) {
    std::string arr = "[";
    for (size_t i = 0; i < l.targets.size(); ++i)
      arr += (i ? ", " : "") + TomlString(l.targets[i]);
    s.entries.push_back({l.group, arr + "]", l.line, l.yaml_path, ""});
  }
  return s;
}

}  // namespace

LiteLLMConversion Render(const Draft& d) {
  LiteLLMConversion out;
  Renderer w(out);
  w.Add("# detour.toml converted from the LiteLLM config " + d.file, 0);
  for (const auto& line : d.dropped) w.Add(line, 0);
  if (!d.server.entries.empty()) w.Write(d.server, "server");
  if (!d.router.entries.empty()) w.Write(d.router, "router");
  if (!d.retry_policy.entries.empty()) w.Write(d.retry_policy, "router.retry_policy");
  static const char* kHeaders[3] = {"router.fallbacks", "router.context_window_fallbacks",
                                    "router.content_policy_fallbacks"};
  for (int k = 0; k < 3; ++k)
    if (!d.fallbacks[k].empty()) w.Write(FallbackSection(kHeaders[k], d.fallbacks[k]), kHeaders[k]);
  if (!d.cache.entries.empty()) w.Write(d.cache, "cache");
  for (size_t i = 0; i < d.deployments.size(); ++i)
    w.Write(d.deployments[i], IndexPath("deployments", i));
  out.errors = d.errors;
  out.warnings = d.warnings;
  return out;
}

}  // namespace detour::litellm
