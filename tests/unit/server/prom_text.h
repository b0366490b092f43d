// A checker of the Prometheus text exposition format 0.0.4 for tests: parses /metrics
// output into samples and lists every rule it breaks (grammar of each line, HELP and
// TYPE before a family's samples, one TYPE per family, samples of a family together,
// histogram buckets cumulative with +Inf equal to _count). Written from the format's
// documentation, independent of server/metrics.cc.
#pragma once

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace promtext {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct Parsed {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> type
  std::vector<std::string> errors;

  // The value of the one sample with this name and exactly these labels.
  std::optional<double> Get(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return std::nullopt;
  }
  // Every sample of `name`, as label sets -> value.
  std::map<std::map<std::string, std::string>, double> All(const std::string& name) const {
    std::map<std::map<std::string, std::string>, double> out;
    for (const auto& s : samples)
      if (s.name == name) out[s.labels] = s.value;
    return out;
  }
};

inline std::optional<double> ParseValue(const std::string& v) {
  if (v == "+Inf") return 1.0 / 0.0;
  if (v == "-Inf") return -1.0 / 0.0;
  if (v == "NaN") return 0.0 / 0.0;
  static const std::regex number(R"([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)");
  if (!std::regex_match(v, number)) return std::nullopt;
  return std::stod(v);
}

// The family a sample name belongs to, given the declared types.
inline std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return name;
}

inline Parsed Parse(const std::string& text) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*))");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)( -?\d+)?)");
  static const std::regex label(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)\",?)");
  Parsed p;
  std::set<std::string> helped, done;  // families with HELP; families whose samples ended
  std::string current;                 // family of the previous sample
  if (!text.empty() && text.back() != '\n') p.errors.push_back("the text does not end with a newline");
  size_t pos = 0;
  int n = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++n;
    std::string where = "line " + std::to_string(n) + " \"" + line + "\": ";
    std::smatch m;
    if (line.empty()) continue;
    if (std::regex_match(line, m, help)) {
      if (!helped.insert(m[1]).second) p.errors.push_back(where + "a second HELP");
      continue;
    }
    if (std::regex_match(line, m, type)) {
      if (p.types.count(m[1])) p.errors.push_back(where + "a second TYPE");
      if (!helped.count(m[1])) p.errors.push_back(where + "TYPE before HELP");
      p.types[m[1]] = m[2];
      continue;
    }
    if (line[0] == '#') continue;  // another comment
    if (!std::regex_match(line, m, sample)) {
      p.errors.push_back(where + "not a sample line");
      continue;
    }
    Sample s;
    s.name = m[1];
    std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label), e; it != e; ++it) {
      std::string raw = (*it)[2], v;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
          char c = raw[++i];
          v += c == 'n' ? '\n' : c;
        } else {
          v += raw[i];
        }
      }
      if (s.labels.count((*it)[1])) p.errors.push_back(where + "a label twice");
      s.labels[(*it)[1]] = v;
    }
    auto value = ParseValue(m[4]);
    if (!value) {
      p.errors.push_back(where + "bad value");
      continue;
    }
    s.value = *value;
    std::string family = FamilyOf(s.name, p.types);
    if (!p.types.count(family)) p.errors.push_back(where + "a sample before its TYPE");
    if (family != current) {
      if (done.count(family)) p.errors.push_back(where + "samples of a family are not together");
      if (!current.empty()) done.insert(current);
      current = family;
    }
    p.samples.push_back(std::move(s));
  }
  // Histograms: per label set (without le), buckets cumulative in le order, +Inf == _count.
  for (const auto& [family, t] : p.types) {
    if (t != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    for (const auto& s : p.samples) {
      if (s.name != family + "_bucket") continue;
      auto labels = s.labels;
      auto le = labels.find("le");
      if (le == labels.end()) {
        p.errors.push_back(family + ": a bucket without le");
        continue;
      }
      const std::string le_text = le->second;
      auto bound = ParseValue(le_text);
      labels.erase(le);
      if (!bound) p.errors.push_back(family + ": bad le " + le_text);
      else buckets[labels].push_back({*bound, s.value});
    }
    for (auto& [labels, list] : buckets) {
      for (size_t i = 1; i < list.size(); ++i) {
        if (!(list[i].first > list[i - 1].first)) p.errors.push_back(family + ": le not increasing");
        if (list[i].second < list[i - 1].second) p.errors.push_back(family + ": buckets not cumulative");
      }
      auto count = p.Get(family + "_count", labels);
      if (list.empty() || list.back().first != 1.0 / 0.0) p.errors.push_back(family + ": no +Inf bucket");
      else if (!count || *count != list.back().second) p.errors.push_back(family + ": +Inf bucket != _count");
      if (!p.Get(family + "_sum", labels)) p.errors.push_back(family + ": no _sum");
    }
  }
  return p;
}

}  // namespace promtext
