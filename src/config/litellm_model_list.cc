// model_list: each entry becomes a [[deployments]] table. `litellm_params.model` names the
// provider by its prefix (azure/, openai/, anthropic/, gemini/, vertex_ai/, hosted_vllm/
// ...) or, bare, by the model's family as LiteLLM infers it (gpt-*/o1-*: OpenAI, claude-*:
// Anthropic, gemini-*: Vertex AI). With azure/, detour's model is the Azure deployment name.
#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "config/litellm_internal.h"

namespace detour::litellm {
namespace {

struct Prefix {
  const char* litellm;
  const char* provider;
};
constexpr std::array<Prefix, 8> kPrefixes = {{
    {"azure", "azure"},
    {"openai", "openai"},
    {"anthropic", "anthropic"},
    {"gemini", "gemini"},
    {"vertex_ai", "vertex"},
    {"hosted_vllm", "openai-compatible"},
    {"lm_studio", "openai-compatible"},
    {"llamafile", "openai-compatible"},
}};

bool StartsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// LiteLLM's inference for a model written without a provider prefix; "" = unknown.
std::string InferProvider(const std::string& model) {
  for (const char* p : {"gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "ft:gpt"})
    if (StartsWith(model, p)) return "openai";
  if (StartsWith(model, "claude-")) return "anthropic";
  if (StartsWith(model, "gemini-")) return "vertex";
  return "";
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// An environment variable name for a key that was written in the file.
std::string SecretVar(Draft& d, const std::string& group) {
  std::string base;
  for (char c : group)
    base += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A')
            : ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
  base = (base.empty() ? "DEPLOYMENT" : base) + "_API_KEY";
  std::string var = base;
  for (int n = 2; std::find(d.secret_vars.begin(), d.secret_vars.end(), var) != d.secret_vars.end(); ++n)
    var = base + "_" + std::to_string(n);
  d.secret_vars.push_back(var);
  return var;
}

// What one model_list entry is read into before it becomes a section.
struct Dep {
  Section s{"deployments", true};
  std::string group;
  std::string provider;
  bool has_base = false;
  std::optional<double> input_cost, output_cost;
  int price_line = 0;
  std::string price_path;
  std::vector<std::pair<std::string, std::string>> headers;  // name, TOML literal
  int headers_line = 0;
  std::string headers_path;
};

void Put(Dep& d, const std::string& key, std::string literal, int line, const std::string& path,
         std::string comment = "") {
  d.s.Set({key, std::move(literal), line, path, std::move(comment)});
}

// A model that could not be placed is already reported: a stand-in provider keeps the
// TOML loader from adding "missing required key" for the same line.
void Unplaced(Dep& d, const std::string& model, int line, const std::string& p) {
  Put(d, "provider", TomlString("openai"), line, p);
  Put(d, "model", TomlString(model), line, p);
}

void ReadModel(Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
  auto m = r.Scalar(v, p);
  if (!m) return;
  std::string model = *m;
  size_t slash = model.find('/');
  if (slash != std::string::npos) {
    std::string prefix = model.substr(0, slash);
    for (const auto& k : kPrefixes)
      if (prefix == k.litellm) d.provider = k.provider;
    if (d.provider.empty()) {
      r.Error(line, p, "provider \"" + prefix + "\" (model \"" + model +
                           "\") is not supported by detour: it speaks azure/, openai/, anthropic/, "
                           "gemini/, vertex_ai/ and OpenAI-compatible servers (hosted_vllm/, "
                           "lm_studio/, llamafile/, or openai/ with api_base)");
      return Unplaced(d, model, line, p);
    }
    model = model.substr(slash + 1);
  } else {
    d.provider = InferProvider(model);
    if (d.provider.empty()) {
      r.Error(line, p, "cannot tell the provider of model \"" + model +
                           "\": write it with a prefix, e.g. \"openai/" + model + "\"");
      return Unplaced(d, model, line, p);
    }
  }
  Put(d, "provider", TomlString(d.provider), line, p);
  Put(d, "model", TomlString(model), line, p);
}

void ReadApiKey(Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
  auto key = r.Scalar(v, p);
  if (!key) return;
  if (!EnvRef(*key).empty()) return Put(d, "api_key", ValueLiteral(*key), line, p);
  r.Warn(line, p,
         "the key is written in the file in plain text; keep it in the environment instead "
         "(api_key: os.environ/VAR)");
  Draft& draft = r.draft();
  if (draft.secrets == SecretStyle::kInline) return Put(d, "api_key", TomlString(*key), line, p);
  std::string var = SecretVar(draft, d.group);
  Put(d, "api_key", TomlString("${" + var + "}"), line, p,
      "was a plain-text key in " + draft.file + ": export " + var +
          "=<that key> before running detour (the value is not copied here)");
}

void ReadTimeout(Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d,
                 std::initializer_list<const char*> keys) {
  if (auto s = r.Number(v, p, 0.001))
    for (const char* k : keys) Put(d, k, DurationLiteral(*s), line, p);
}

void ReadCost(Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d,
              bool input) {
  auto c = r.Number(v, p, 0);
  if (!c) return;
  (input ? d.input_cost : d.output_cost) = *c * 1e6;  // USD per token -> per million
  d.price_line = line;
  d.price_path = p;
}

void AddHeader(Dep& d, const std::string& name, const std::string& literal, int line,
               const std::string& p) {
  d.headers.emplace_back(name, literal);
  d.headers_line = line;
  d.headers_path = p;
}

void ReadExtraHeaders(Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
  if (!r.IsMap(v, p)) return;
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string name = it->first.Scalar();
    if (auto s = r.Scalar(it->second, JoinPath(p, name))) AddHeader(d, name, ValueLiteral(*s), line, p);
  }
}

using K = Key<Dep>;

K StringKey(const char* yaml, const char* toml) {
  return {yaml, [toml](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
            if (auto s = r.Scalar(v, p)) {
              Put(d, toml, ValueLiteral(*s), line, p);
              if (std::string(toml) == "api_base") d.has_base = true;
            }
          }};
}

K IntKey(const char* name, int64_t min) {
  return {name, [name, min](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
            if (auto n = r.Int(v, p, min)) Put(d, name, std::to_string(*n), line, p);
          }};
}

const std::vector<K>& ParamKeys() {
  static const std::vector<K> keys = {
      {"model", ReadModel},
      {"api_key", ReadApiKey},
      StringKey("api_base", "api_base"),
      StringKey("api_version", "api_version"),
      IntKey("rpm", 1),
      IntKey("tpm", 1),
      {"timeout", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
         ReadTimeout(r, v, line, p, d, {"timeout"});
       }},
      // LiteLLM's stream_timeout bounds every read of a stream: the first token and each gap.
      {"stream_timeout", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
         ReadTimeout(r, v, line, p, d, {"first_token_timeout", "stream_idle_timeout"});
       }},
      {"weight", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
         if (auto n = r.Number(v, p, 0)) Put(d, "weight", Number(*n), line, p);
       }},
      {"order", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
         if (auto n = r.Int(v, p, 0)) {
           Put(d, "order", std::to_string(*n), line, p);
           r.draft().any_order = true;
         }
       }},
      {"input_cost_per_token", [](Reader& r, const YAML::Node& v, int line, const std::string& p,
                                  Dep& d) { ReadCost(r, v, line, p, d, true); }},
      {"output_cost_per_token", [](Reader& r, const YAML::Node& v, int line, const std::string& p,
                                   Dep& d) { ReadCost(r, v, line, p, d, false); }},
      {"organization", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
         if (auto s = r.Scalar(v, p)) AddHeader(d, "OpenAI-Organization", ValueLiteral(*s), line, p);
       }},
      {"extra_headers", ReadExtraHeaders},
      StringKey("vertex_project", "project"),
      StringKey("vertex_location", "location"),
      {"vertex_credentials", [](Reader& r, const YAML::Node& v, int line, const std::string& p, Dep& d) {
         auto s = r.Scalar(v, p);
         if (!s) return;
         if (!s->empty() && s->front() == '{')
           return r.Error(line, p, "detour reads the service account from a file: give its path");
         Put(d, "credentials", ValueLiteral(*s), line, p);
       }},
  };
  return keys;
}

const std::vector<Dropped>& DroppedParams() {
  static const std::vector<Dropped> keys = {
      {"drop_params", "detour passes request parameters through as the client sent them"},
      {"max_retries", "detour retries in the router (num_retries, retry_policy), never inside one attempt"},
      {"tags", "detour has no tag-based routing"},
      {"use_in_pass_through", "detour has no pass-through endpoints"},
  };
  return keys;
}

void ReadModelInfo(Reader& r, const YAML::Node& n, const std::string& path, Dep& d) {
  if (!r.IsMap(n, path)) return;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string k = it->first.Scalar();
    int line = Reader::Line(it->first);
    std::string p = JoinPath(path, k);
    if (k == "id") {
      if (auto s = r.Scalar(it->second, p)) Put(d, "id", TomlString(*s), line, p);
    } else if ((k == "input_cost_per_token" && !d.input_cost) ||
               (k == "output_cost_per_token" && !d.output_cost)) {
      ReadCost(r, it->second, line, p, d, k == "input_cost_per_token");
    } else {
      r.Drop(line, p, "model_info metadata detour does not use");
    }
  }
}

void Finalize(Reader& r, Dep& d) {
  if (d.provider == "azure" && !d.has_base)  // LiteLLM's default for azure/
    Put(d, "api_base", TomlString("${AZURE_API_BASE}"), d.s.line, d.s.yaml_path,
        "no api_base: LiteLLM's default, the AZURE_API_BASE variable");
  if (d.input_cost || d.output_cost)
    Put(d, "price",
        "{ input = " + Number(d.input_cost.value_or(0)) + ", output = " +
            Number(d.output_cost.value_or(0)) + " }",
        d.price_line, d.price_path, "USD per million tokens (LiteLLM's cost per token x 1e6)");
  if (!d.headers.empty()) {
    std::string t = "{ ";
    for (size_t i = 0; i < d.headers.size(); ++i)
      t += (i ? ", " : "") + TomlString(d.headers[i].first) + " = " + d.headers[i].second;
    Put(d, "headers", t + " }", d.headers_line, d.headers_path);
  }
  (void)r;
}

void ReadEntry(Reader& r, const YAML::Node& item, const std::string& path) {
  Dep d;
  d.s.line = Reader::Line(item);
  d.s.yaml_path = path;
  if (!r.IsMap(item, path)) return;
  if (item["model_name"]) {
    std::string p = JoinPath(path, "model_name");
    if (auto g = r.Scalar(item["model_name"], p)) {
      d.group = *g;
      Put(d, "model_name", TomlString(*g), Reader::Line(item["model_name"]), p);
      if (std::find(r.draft().groups.begin(), r.draft().groups.end(), *g) == r.draft().groups.end())
        r.draft().groups.push_back(*g);
    }
  }
  for (auto it = item.begin(); it != item.end(); ++it) {
    std::string k = it->first.Scalar();
    std::string p = JoinPath(path, k);
    if (k == "model_name") continue;
    if (k == "litellm_params")
      ReadKeys(r, it->second, p, ParamKeys(), DroppedParams(),
               "detour sets no request parameters per deployment; see README \"Coming from LiteLLM\"", d);
    else if (k == "model_info")
      ReadModelInfo(r, it->second, p, d);
    else
      UnknownKey(r, Reader::Line(it->first), p, k, {"model_name", "litellm_params", "model_info"}, "");
  }
  Finalize(r, d);
  r.draft().deployments.push_back(std::move(d.s));
}

}  // namespace

void ReadModelList(Reader& r, const YAML::Node& n, const std::string& path) {
  if (!r.IsList(n, path)) return;
  if (n.size() == 0) r.Error(Reader::Line(n), path, "model_list is empty: add at least one deployment");
  for (size_t i = 0; i < n.size(); ++i) ReadEntry(r, n[i], IndexPath(path, i));
}

}  // namespace detour::litellm
