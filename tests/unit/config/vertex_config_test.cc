// The vertex provider's deployment keys: project (required), location (default
// us-central1; "global"), credentials (else $GOOGLE_APPLICATION_CREDENTIALS), the
// api_base derived from the location, and file:line issues for every misuse.
#include <doctest/doctest.h>

#include "config_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;
using config_test::LoadIssues;
using config_test::LoadOk;
using Issues = std::vector<std::string>;

const char* kCreds = "GOOGLE_APPLICATION_CREDENTIALS";

TEST_CASE("vertex: defaults for location, api_base and credentials") {
  Config c = LoadOk(R"([[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-flash"
project = "my-proj-1"
)", FakeEnv({{kCreds, "/etc/sa.json"}}));
  const DeploymentConfig& d = c.deployments[0];
  CHECK(d.location == "us-central1");
  CHECK(d.api_base == "https://us-central1-aiplatform.googleapis.com");
  CHECK(d.credentials == "/etc/sa.json");
  CHECK(d.project == "my-proj-1");
  CHECK(d.missing_env.empty());
  CHECK(d.id == "vertex/gemini-2.5-flash");
}

TEST_CASE("vertex: location picks the host; global has none; api_base overrides it") {
  Config c = LoadOk(R"([[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-flash"
project = "p"
location = "global"
credentials = "/a.json"

[[deployments]]
model_name = "g"
provider = "vertex"
model = "claude-sonnet-4@20250514"
project = "p"
location = "europe-west4"
credentials = "/a.json"

[[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-pro"
project = "p"
location = "europe-west4"
credentials = "/a.json"
api_base = "http://127.0.0.1:9/"
)");
  CHECK(c.deployments[0].api_base == "https://aiplatform.googleapis.com");
  CHECK(c.deployments[1].api_base == "https://europe-west4-aiplatform.googleapis.com");
  CHECK(c.deployments[2].api_base == "http://127.0.0.1:9");
  CHECK(c.deployments[2].location == "europe-west4");
}

TEST_CASE("vertex: without credentials or the variable the deployment is unusable, not invalid") {
  Config c = LoadOk(R"([[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-flash"
project = "p"

[[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-pro"
project = "p"
credentials = "${SA_FILE}"
)");
  CHECK(c.deployments[0].missing_env == kCreds);
  CHECK(c.deployments[1].missing_env == "SA_FILE");
}

TEST_CASE("vertex: a missing project, bad values and wrong types are issues with file:line") {
  auto issues = LoadIssues(R"([[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-flash"
credentials = "/a.json"

[[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-flash"
project = 42
location = "us central1"
credentials = ["/a.json"]

[[deployments]]
model_name = "g"
provider = "vertex"
model = "gemini-2.5-flash"
project = "My/Proj"
api_key = "k"
credentials = "/a.json"
)");
  CHECK(issues == Issues{
                      "t.toml:1: deployments[0]: missing required key \"project\" for provider \"vertex\"",
                      "t.toml:11: deployments[1].project: expected a string, got an integer",
                      "t.toml:12: deployments[1].location: invalid location \"us central1\" (a region such as "
                      "\"us-central1\", or \"global\")",
                      "t.toml:13: deployments[1].credentials: expected a string, got an array",
                      "t.toml:19: deployments[2].project: invalid project id \"My/Proj\" (lower-case letters, "
                      "digits and hyphens)",
                      "t.toml:20: deployments[2].api_key: api_key does not apply to provider \"vertex\" (it signs "
                      "in with a service account: set credentials = \"path/to/service-account.json\")",
                  });
}

TEST_CASE("vertex keys on another provider are issues") {
  auto issues = LoadIssues(R"([[deployments]]
model_name = "g"
provider = "gemini"
model = "gemini-2.5-flash"
api_key = "k"
project = "p"
location = "us-central1"
)");
  CHECK(issues == Issues{
                      "t.toml:6: deployments[0].project: project applies only to provider \"vertex\"",
                      "t.toml:7: deployments[0].location: location applies only to provider \"vertex\"",
                  });
}

}  // namespace
}  // namespace detour
