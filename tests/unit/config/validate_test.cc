#include <doctest/doctest.h>

#include "config_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;
using config_test::LoadIssues;
using Issues = std::vector<std::string>;

TEST_CASE("ConfigIssue::ToString is file:line: key_path: message") {
  CHECK(ConfigIssue{"detour.toml", 14, "router.fallbacks.fast[1]", "bad"}.ToString() ==
        "detour.toml:14: router.fallbacks.fast[1]: bad");
  CHECK(ConfigIssue{"detour.toml", 0, "", "cannot read"}.ToString() == "detour.toml: cannot read");
  CHECK(ConfigIssue{"d.toml", 3, "", "invalid"}.ToString() == "d.toml:3: invalid");
}

TEST_CASE("unknown keys get a did-you-mean, missing required keys are named") {
  auto issues = LoadIssues(R"([[deployments]]
model_name = "fast"
provider = "openai"
modle = "gpt-4o"
)");
  CHECK(issues == Issues{
                      "t.toml:1: deployments[0]: missing required key \"model\"",
                      "t.toml:4: deployments[0].modle: unknown key \"modle\" (did you mean \"model\"?)",
                  });
}

TEST_CASE("unknown top-level sections and keys in every table are reported") {
  auto issues = LoadIssues(R"([server]
listen = "127.0.0.1:4000"

[routr]
strategy = "priority"

[router]
num_retires = 3
backoff = { base = "1s", maximum = "2s" }

[cache]
enabled = true
size = 3

[hedge]
after = "1s"
)");
  CHECK(issues == Issues{
                      "t.toml:4: routr: unknown key \"routr\" (did you mean \"router\"?)",
                      "t.toml:8: router.num_retires: unknown key \"num_retires\" (did you mean \"num_retries\"?)",
                      "t.toml:9: router.backoff.maximum: unknown key \"maximum\"",
                      "t.toml:13: cache.size: unknown key \"size\"",
                      "t.toml:15: hedge: unknown key \"hedge\"",
                  });
}

TEST_CASE("wrong types are reported with what was expected") {
  auto issues = LoadIssues(R"([server]
listen = 4000
api_keys = "single"
allow_unauthenticated = "yes"

[router]
num_retries = "2"
timeout = true
fallbacks = ["a"]

[[deployments]]
model_name = "m"
model = "openai/gpt-4o"
rpm = 1.5
weight = "heavy"
headers = { X = 1 }
price = 3
)");
  CHECK(issues ==
        Issues{
            "t.toml:2: server.listen: expected a string, got an integer",
            "t.toml:3: server.api_keys: expected an array of keys (strings or { key, team, budget } tables)",
            "t.toml:4: server.allow_unauthenticated: expected a boolean (true or false), got a string",
            "t.toml:7: router.num_retries: expected an integer, got a string",
            "t.toml:8: router.timeout: expected a duration such as \"10s\" or a number of seconds, got a boolean",
            "t.toml:9: router.fallbacks: expected a table, got an array",
            "t.toml:14: deployments[0].rpm: expected an integer, got a float",
            "t.toml:15: deployments[0].weight: expected a number, got a string",
            "t.toml:16: deployments[0].headers.X: expected a string, got an integer",
            "t.toml:17: deployments[0].price: expected a table, got an integer",
        });
}

TEST_CASE("server.threads is 0 (one per core) to 1024") {
  CHECK(LoadIssues("[server]\nthreads = -1\n") == Issues{"t.toml:2: server.threads: must be at least 0"});
  CHECK(LoadIssues("[server]\nthreads = 1025\n") == Issues{"t.toml:2: server.threads: must be at most 1024"});
  CHECK(config_test::LoadOk("[server]\nthreads = 2\n").server.threads == 2);
}

TEST_CASE("deployments must be an array of tables") {
  CHECK(LoadIssues("deployments = 3\n") ==
        Issues{"t.toml:1: deployments: expected an array of tables (write [[deployments]])"});
  CHECK(LoadIssues("[deployments.a]\nmodel = \"x\"\n") ==
        Issues{"t.toml:1: deployments: expected an array of tables (write [[deployments]])"});
}

TEST_CASE("bad durations, sizes and ranges") {
  auto issues = LoadIssues(R"([server]
max_body = "8 MiB"
shutdown_grace = "10 seconds"

[router]
cooldown = -5
allowed_fails = -1
backoff = { base = "soon" }

[cache]
ttl = "10d"
max_entries = -3

[[deployments]]
model_name = "m"
model = "openai/gpt-4o"
tpm = 0
order = -1
price = { input = -1 }
)");
  CHECK(issues ==
        Issues{
            "t.toml:2: server.max_body: invalid size \"8 MiB\" (use e.g. \"8MiB\", \"512KB\" or a number of bytes)",
            "t.toml:3: server.shutdown_grace: invalid duration \"10 seconds\" (use e.g. \"250ms\", \"10s\", \"2m\", \"1h\" or a number of seconds)",
            "t.toml:6: router.cooldown: invalid duration (use e.g. \"250ms\", \"10s\", \"2m\", \"1h\" or a number of seconds)",
            "t.toml:7: router.allowed_fails: must be at least 0",
            "t.toml:8: router.backoff.base: invalid duration \"soon\" (use e.g. \"250ms\", \"10s\", \"2m\", \"1h\" or a number of seconds)",
            "t.toml:11: cache.ttl: invalid duration \"10d\" (use e.g. \"250ms\", \"10s\", \"2m\", \"1h\" or a number of seconds)",
            "t.toml:12: cache.max_entries: must be at least 0",
            "t.toml:17: deployments[0].tpm: must be at least 1",
            "t.toml:18: deployments[0].order: must be at least 0",
            "t.toml:19: deployments[0].price.input: must be at least 0",
        });
}

TEST_CASE("unknown provider, strategy, stream_resume and probe") {
  auto issues = LoadIssues(R"([router]
strategy = "least_busy"
stream_resume = "resume"

[[deployments]]
model_name = "m"
provider = "opneai"
model = "gpt-4o"

[[deployments]]
model_name = "m"
provider = "bedrock"
model = "claude"
probe = "ping"
)");
  CHECK(issues ==
        Issues{
            "t.toml:2: router.strategy: unknown strategy \"least_busy\" (did you mean \"least-busy\"?)",
            "t.toml:3: router.stream_resume: unknown stream_resume mode \"resume\" (use replay or off)",
            "t.toml:7: deployments[0].provider: unknown provider \"opneai\" (did you mean \"openai\"?)",
            "t.toml:12: deployments[1].provider: unknown provider \"bedrock\" (use openai, azure, anthropic, gemini, openai-compatible or vertex)",
            "t.toml:14: deployments[1].probe: unknown probe \"ping\" (use chat or models)",
        });
}

TEST_CASE("missing required keys, empty values and provider-specific requirements") {
  auto issues = LoadIssues(R"([[deployments]]
model = "gpt-4o"

[[deployments]]
model_name = ""
provider = "azure"
model = "dep"

[[deployments]]
model_name = "local"
provider = "openai-compatible"
model = "llama"

[[deployments]]
model_name = "o"
model = "openai/gpt-4o"
api_version = "2024-10-21"
api_base = "api.openai.com/v1"
)");
  CHECK(issues ==
        Issues{
            "t.toml:1: deployments[0]: missing required key \"model_name\"",
            "t.toml:1: deployments[0]: missing required key \"provider\"",
            "t.toml:4: deployments[1]: missing required key \"api_base\" for provider \"azure\" (e.g. \"https://RESOURCE.openai.azure.com\")",
            "t.toml:5: deployments[1].model_name: must not be empty",
            "t.toml:9: deployments[2]: missing required key \"api_base\" for provider \"openai-compatible\" (e.g. \"http://127.0.0.1:8000/v1\")",
            "t.toml:17: deployments[3].api_version: api_version applies only to provider \"azure\"",
            "t.toml:18: deployments[3].api_base: api_base must start with http:// or https://",
        });
}

TEST_CASE("duplicate explicit deployment ids") {
  auto issues = LoadIssues(R"([[deployments]]
id = "main"
model_name = "m"
model = "openai/gpt-4o"

[[deployments]]
id = "main"
model_name = "m"
model = "anthropic/claude-sonnet-4-6"
)");
  CHECK(issues == Issues{"t.toml:7: deployments[1].id: duplicate deployment id \"main\" (also "
                         "used by the deployment at line 1)"});
}

constexpr const char* kGroups = R"(
[[deployments]]
model_name = "gpt-4o"
model = "openai/gpt-4o"
[[deployments]]
model_name = "claude"
model = "anthropic/claude-sonnet-4-6"
[[deployments]]
model_name = "gemini"
model = "gemini/gemini-2.5-pro"
)";

TEST_CASE("fallbacks naming unknown groups, in all three maps") {
  auto issues = LoadIssues(std::string(R"([router]
default_model = "gpt4o"
[router.fallbacks]
fast = ["claude", "gtp-4o"]
[router.context_window_fallbacks]
gpt-4o = ["long-context"]
[router.content_policy_fallbacks]
claude = ["gemeni"]
)") + kGroups);
  CHECK(issues ==
        Issues{
            "t.toml:2: router.default_model: unknown model group \"gpt4o\" (did you mean \"gpt-4o\"?)",
            "t.toml:4: router.fallbacks.fast: unknown model group \"fast\" (no [[deployments]] has model_name = \"fast\")",
            "t.toml:4: router.fallbacks.fast[1]: unknown model group \"gtp-4o\" (did you mean \"gpt-4o\"?)",
            "t.toml:6: router.context_window_fallbacks.gpt-4o[0]: unknown model group \"long-context\" (no [[deployments]] has model_name = \"long-context\")",
            "t.toml:8: router.content_policy_fallbacks.claude[0]: unknown model group \"gemeni\" (did you mean \"gemini\"?)",
        });
}

TEST_CASE("fallback cycles are reported at the entry that closes them") {
  auto issues = LoadIssues(std::string(R"([router.fallbacks]
gpt-4o = ["claude"]
claude = ["gemini"]
gemini = [
  "claude",
]
[router.context_window_fallbacks]
gpt-4o = ["gpt-4o"]
)") + kGroups);
  CHECK(issues == Issues{
                      "t.toml:5: router.fallbacks.gemini[0]: fallback cycle: claude -> gemini -> claude",
                      "t.toml:8: router.context_window_fallbacks.gpt-4o[0]: fallback cycle: gpt-4o -> gpt-4o",
                  });
}

TEST_CASE("a chain without cycles passes even when groups share fallbacks") {
  auto r = LoadConfigText(std::string(R"([router.fallbacks]
gpt-4o = ["claude", "gemini"]
claude = ["gemini"]
)") + kGroups,
                          "t.toml", FakeEnv());
  CHECK(r.ok());
}

TEST_CASE("group names that are not bare keys are quoted in key paths") {
  auto issues = LoadIssues(std::string(R"([router.fallbacks]
"gpt-4.1" = ["claude"]
)") + kGroups);
  CHECK(issues == Issues{"t.toml:2: router.fallbacks.\"gpt-4.1\": unknown model group \"gpt-4.1\" "
                         "(did you mean \"gpt-4o\"?)"});
}

TEST_CASE("retry_policy keys must be error kinds") {
  auto issues = LoadIssues(R"([router.retry_policy]
timeout = 1
ratelimit = 3
TimeoutErrorRetries = 2
server_error = -1
)");
  CHECK(issues ==
        Issues{
            "t.toml:3: router.retry_policy.ratelimit: unknown error kind \"ratelimit\" (did you mean \"rate_limit\"?)",
            "t.toml:4: router.retry_policy.TimeoutErrorRetries: unknown error kind \"TimeoutErrorRetries\"",
            "t.toml:5: router.retry_policy.server_error: must be at least 0",
        });
}

TEST_CASE("unset variables outside an api_key are issues; secrets never appear") {
  auto issues = LoadIssues(R"([server]
api_keys = ["${DETOUR_API_KEY}"]

[usage]
log = "${LOG_DIR}/usage.jsonl"

[[deployments]]
model_name = "m"
model = "openai/gpt-4o"
api_key = "sk-live-secret"
api_base = "${PROXY_BASE}"
headers = { X-Bad = "${oops-not-a-name}" }
)");
  CHECK(issues ==
        Issues{
            "t.toml:2: server.api_keys[0]: environment variable DETOUR_API_KEY is not set (set it, or write ${DETOUR_API_KEY:-default})",
            "t.toml:5: usage.log: environment variable LOG_DIR is not set (set it, or write ${LOG_DIR:-default})",
            "t.toml:11: deployments[0].api_base: environment variable PROXY_BASE is not set (set it, or write ${PROXY_BASE:-default})",
            "t.toml:12: deployments[0].headers.X-Bad: malformed environment reference: a variable name is letters, digits and _ (write ${NAME}, ${NAME:-default} or os.environ/NAME)",
        });
  for (const auto& s : issues) CHECK(s.find("sk-live-secret") == std::string::npos);
}

TEST_CASE("invalid TOML is unreadable and names the parser's line") {
  auto r = LoadConfigText("[server]\nlisten = \"a\"\nmax_body = \n", "t.toml", FakeEnv());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().unreadable);
  REQUIRE(r.error().issues.size() == 1);
  CHECK(r.error().issues[0].line == 3);
  CHECK(r.error().issues[0].ToString().rfind("t.toml:3: invalid TOML: ", 0) == 0);
}

TEST_CASE("a duplicate TOML key is unreadable too") {
  auto r = LoadConfigText("[router]\nnum_retries = 1\nnum_retries = 2\n", "t.toml", FakeEnv());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().unreadable);
  CHECK(r.error().issues.at(0).line == 3);
}

TEST_CASE("validation failures are not unreadable") {
  auto r = LoadConfigText("[server]\nlisten = 1\n", "t.toml", FakeEnv());
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.error().unreadable);
}

}  // namespace
}  // namespace detour
