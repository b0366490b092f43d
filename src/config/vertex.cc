// The vertex provider's own deployment keys (SPEC 2.3, provider-protocols.md 8b). The
// project and location become part of the upstream URL, so they are held to the
// characters Google allows there: a typo is a load-time issue, not a 404 at runtime.
#include <array>

#include "config/provider_defaults.h"
#include "config/sections.h"

namespace detour {
namespace {

constexpr std::array<const char*, 3> kVertexKeys = {"project", "location", "credentials"};

bool LowerDigitHyphen(const std::string& s) {
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return !s.empty();
}

// Project ids are lower-case letters, digits and hyphens; older domain-scoped ones
// ("example.com:proj") add dots and a colon.
bool ValidProject(const std::string& s) {
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':'))
      return false;
  return !s.empty();
}

}  // namespace

std::string VertexHost(const std::string& location) {
  if (location == "global") return "https://aiplatform.googleapis.com";
  return "https://" + location + "-aiplatform.googleapis.com";
}

void ApplyVertexKeys(TomlReader& r, const toml::table& t, const std::string& path, DeploymentConfig& d) {
  if (d.provider != "vertex") {
    for (const char* key : kVertexKeys)
      if (t.contains(key))
        r.Issue(r.LineOf(path + "." + key), path + "." + key,
                std::string(key) + " applies only to provider \"vertex\"");
    return;
  }
  if (d.location.empty()) d.location = kDefaultVertexLocation;
  if (!LowerDigitHyphen(d.location))
    r.Issue(r.LineOf(path + ".location"), path + ".location",
            "invalid location \"" + d.location + "\" (a region such as \"us-central1\", or \"global\")");
  if (!t.contains("project"))
    r.Issue(d.line, path, "missing required key \"project\" for provider \"vertex\"");
  else if (t["project"].is_string() && !ValidProject(d.project))
    r.Issue(r.LineOf(path + ".project"), path + ".project",
            "invalid project id \"" + d.project + "\" (lower-case letters, digits and hyphens)");
  if (t.contains("api_key"))
    r.Issue(r.LineOf(path + ".api_key"), path + ".api_key",
            "api_key does not apply to provider \"vertex\" (it signs in with a service account: set "
            "credentials = \"path/to/service-account.json\")");
  if (!t.contains("credentials")) {
    auto v = r.env()(kVertexCredentialsEnv);
    if (v && !v->empty())
      d.credentials = *v;
    else
      d.missing_env = kVertexCredentialsEnv;
  }
}

}  // namespace detour
