// [[deployments]]: fields, provider resolution ("azure/x" form), per-provider defaults,
// and what an unset variable means inside a deployment.
#include <algorithm>

#include "config/provider_defaults.h"
#include "config/sections.h"

namespace detour {
namespace {

using D = DeploymentConfig;

void ReadPrice(TomlReader& r, const toml::node& n, const std::string& p, D& d) {
  static const std::vector<Field<Price>> fields = {
      {"input", [](TomlReader& r, const toml::node& n, const std::string& p,
                   Price& c) { if (auto v = r.Number(n, p, 0)) c.input = *v; }},
      {"output", [](TomlReader& r, const toml::node& n, const std::string& p,
                    Price& c) { if (auto v = r.Number(n, p, 0)) c.output = *v; }},
  };
  const auto* t = r.Table(n, p);
  if (!t) return;
  Price price;
  ReadFields(r, *t, p, fields, price);
  d.price = price;
}

void ReadHeaders(TomlReader& r, const toml::node& n, const std::string& p, D& d) {
  const auto* t = r.Table(n, p);
  if (!t) return;
  for (auto&& [key, value] : *t) {
    std::string k(key.str());
    if (auto v = r.String(value, TomlReader::Join(p, k))) d.headers.emplace_back(k, *v);
  }
}

const std::vector<Field<D>>& DeploymentFields() {
  static const std::vector<Field<D>> fields = {
      StringField("id", &D::id),
      StringField("model_name", &D::model_name),
      StringField("provider", &D::provider),
      StringField("model", &D::model),
      StringField("api_key", &D::api_key),
      StringField("api_base", &D::api_base),
      StringField("api_version", &D::api_version),
      StringField("project", &D::project),
      StringField("location", &D::location),
      StringField("credentials", &D::credentials),
      IntField("rpm", &D::rpm, 1),
      IntField("tpm", &D::tpm, 1),
      {"weight", [](TomlReader& r, const toml::node& n, const std::string& p,
                    D& d) { if (auto v = r.Number(n, p, 0)) d.weight = *v; }},
      IntField("order", &D::order, 0),
      DurationField("timeout", &D::timeout),
      DurationField("first_token_timeout", &D::first_token_timeout),
      DurationField("stream_idle_timeout", &D::stream_idle_timeout),
      {"price", ReadPrice},
      IntField("context_window", &D::context_window, 0),
      {"headers", ReadHeaders},
      BoolField("tls_verify", &D::tls_verify),
      BoolField("health_probe", &D::health_probe),
      {"probe", [](TomlReader& r, const toml::node& n, const std::string& p, D& d) {
         auto v = r.String(n, p);
         if (!v) return;
         if (*v == "chat" || *v == "models")
           d.probe = *v;
         else
           r.Issue(TomlReader::Line(n), p, UnknownName("probe", *v, {"chat", "models"}));
       }},
  };
  return fields;
}

// "azure/my-deployment" names the provider too (LiteLLM's form) when `provider` is absent
// or says the same. Returns false when no provider can be found.
bool ResolveProvider(TomlReader& r, const toml::table& t, const std::string& path, D& d) {
  bool has_provider = t.contains("provider");
  size_t slash = d.model.find('/');
  if (slash != std::string::npos) {
    std::string prefix = d.model.substr(0, slash);
    if (FindProvider(prefix) && (!has_provider || d.provider == prefix)) {
      d.provider = prefix;
      d.model = d.model.substr(slash + 1);
      return true;
    }
  }
  if (!has_provider) return false;
  if (!FindProvider(d.provider) && !d.provider.empty())
    r.Issue(r.LineOf(path + ".provider"), path + ".provider",
            UnknownName("provider", d.provider, ProviderNames()));
  return true;
}

void CheckRequired(TomlReader& r, const toml::table& t, const std::string& path, D& d,
                   bool provider_found) {
  for (const char* key : {"model_name", "provider", "model"}) {
    bool present = std::string(key) == "provider" ? provider_found : t.contains(key);
    if (!present) r.Issue(d.line, path, "missing required key \"" + std::string(key) + "\"");
  }
  // Present but empty (a string read that failed its type check is already reported).
  if (t.contains("model_name") && d.model_name.empty() && t["model_name"].is_string())
    r.Issue(r.LineOf(path + ".model_name"), path + ".model_name", "must not be empty");
  if (t.contains("model") && d.model.empty() && t["model"].is_string())
    r.Issue(r.LineOf(path + ".model"), path + ".model", "must not be empty");
}

// Provider defaults: key from the provider's variable, api_base, api_version.
void ApplyDefaults(TomlReader& r, const toml::table& t, const std::string& path, D& d) {
  const ProviderDefaults* p = FindProvider(d.provider);
  if (!p) return;
  if (!t.contains("api_key") && *p->key_env) {
    auto v = r.env()(p->key_env);
    if (v && !v->empty())
      d.api_key = *v;
    else
      d.missing_env = p->key_env;
  }
  if (!t.contains("api_base")) {
    d.api_base = d.provider == "vertex" ? VertexHost(d.location) : p->api_base;
    if (d.api_base.empty())
      r.Issue(d.line, path,
              "missing required key \"api_base\" for provider \"" + d.provider + "\" (e.g. \"" +
                  p->base_example + "\")");
  }
  while (!d.api_base.empty() && d.api_base.back() == '/') d.api_base.pop_back();
  if (d.provider == "azure" && d.api_version.empty()) d.api_version = kDefaultAzureApiVersion;
  if (d.provider != "azure" && t.contains("api_version"))
    r.Issue(r.LineOf(path + ".api_version"), path + ".api_version",
            "api_version applies only to provider \"azure\"");
}

// An unset variable in api_key makes the deployment unusable (SPEC 2.1), not the file
// invalid; in any other field it is an issue, unless the deployment is unusable anyway.
void ResolveMisses(TomlReader& r, const std::vector<EnvMiss>& misses, const std::string& path,
                   D& d) {
  for (const auto& m : misses) {
    // vertex's credentials file is its key: an unset variable there means the same.
    bool key = m.key_path == path + ".api_key" || m.key_path == path + ".credentials";
    if (key && d.missing_env.empty()) {
      d.missing_env = m.var;
      d.api_key.clear();
      d.credentials.clear();
    }
  }
  if (d.missing_env.empty())
    for (const auto& m : misses) r.ReportMiss(m);
  bool base_missed = std::any_of(misses.begin(), misses.end(), [&](const EnvMiss& m) {
    return m.key_path == path + ".api_base";
  });
  bool http = d.api_base.rfind("http://", 0) == 0 || d.api_base.rfind("https://", 0) == 0;
  if (!base_missed && !d.api_base.empty() && !http)
    r.Issue(r.LineOf(path + ".api_base"), path + ".api_base",
            "api_base must start with http:// or https://");
}

DeploymentConfig ReadDeployment(TomlReader& r, const toml::table& t, const std::string& path) {
  D d;
  d.line = TomlReader::Line(t);
  std::vector<EnvMiss> misses;
  r.set_miss_sink(&misses);
  ReadFields(r, t, path, DeploymentFields(), d);
  r.set_miss_sink(nullptr);
  bool provider_found = ResolveProvider(r, t, path, d);
  CheckRequired(r, t, path, d, provider_found);
  ApplyVertexKeys(r, t, path, d);
  ApplyDefaults(r, t, path, d);
  ResolveMisses(r, misses, path, d);
  return d;
}

}  // namespace

void ReadDeployments(TomlReader& r, const toml::node& n, const std::string& path, Config& c) {
  const auto* a = n.as_array();
  if (!a) {
    r.Issue(TomlReader::Line(n), path, "expected an array of tables (write [[deployments]])");
    return;
  }
  for (size_t i = 0; i < a->size(); ++i) {
    std::string p = TomlReader::Index(path, i);
    const auto* t = a->get(i)->as_table();
    if (!t) {
      r.Issue(TomlReader::Line(*a->get(i)), p, "expected a table (write [[deployments]])");
      continue;
    }
    c.deployments.push_back(ReadDeployment(r, *t, p));
    r.state().explicit_id.push_back(t->contains("id"));
    r.state().deployment_paths.push_back(p);
  }
}

}  // namespace detour
