#include <doctest/doctest.h>

#include "config_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;
using config_test::LoadOk;

TEST_CASE("an empty file loads with every default") {
  Config c = LoadOk("");
  CHECK(c.source == "t.toml");
  CHECK_FALSE(c.embedded);
  CHECK(c.deployments.empty());
  CHECK(c.server.listen == "127.0.0.1:4000");
  CHECK(c.server.max_body == size_t{8} << 20);
  CHECK(c.router.strategy == "simple-shuffle");
  CHECK(c.router.timeout == Millis(30000));
  CHECK(c.router.num_retries == 2);
  CHECK(c.router.stream_resume == "replay");
  CHECK(c.cache.ttl == Millis(600000));
}

TEST_CASE("a deployment gets its id, api_base and key from the provider defaults") {
  Config c = LoadOk(R"([[deployments]]
model_name = "fast"
provider = "openai"
model = "gpt-4o-mini"
)",
                    FakeEnv({{"OPENAI_API_KEY", "sk-test"}}));
  REQUIRE(c.deployments.size() == 1);
  const auto& d = c.deployments[0];
  CHECK(d.id == "openai/gpt-4o-mini");
  CHECK(d.model_name == "fast");
  CHECK(d.api_base == "https://api.openai.com/v1");
  CHECK(d.api_key == "sk-test");
  CHECK(d.missing_env.empty());
  CHECK(d.api_version.empty());
  CHECK(d.line == 1);
  CHECK(d.order == 1);
  CHECK(d.tls_verify);
  CHECK(d.probe == "chat");
}

TEST_CASE("per-provider api_base defaults and key variables") {
  Config c = LoadOk(R"([[deployments]]
model_name = "a"
provider = "anthropic"
model = "claude-sonnet-4-6"

[[deployments]]
model_name = "g"
provider = "gemini"
model = "gemini-2.5-flash"

[[deployments]]
model_name = "z"
provider = "azure"
model = "my-deployment"
api_base = "https://res.openai.azure.com//"

[[deployments]]
model_name = "local"
provider = "openai-compatible"
model = "llama3"
api_base = "http://127.0.0.1:11434/v1/"
)",
                    FakeEnv({{"ANTHROPIC_API_KEY", "ak"}}));
  REQUIRE(c.deployments.size() == 4);
  CHECK(c.deployments[0].api_base == "https://api.anthropic.com");
  CHECK(c.deployments[0].api_key == "ak");
  CHECK(c.deployments[1].api_base == "https://generativelanguage.googleapis.com");
  CHECK(c.deployments[1].missing_env == "GEMINI_API_KEY");
  CHECK(c.deployments[1].api_key.empty());
  CHECK(c.deployments[2].api_base == "https://res.openai.azure.com");
  CHECK(c.deployments[2].api_version == "2024-10-21");
  CHECK(c.deployments[2].missing_env == "AZURE_API_KEY");
  CHECK(c.deployments[3].api_base == "http://127.0.0.1:11434/v1");
  CHECK(c.deployments[3].missing_env.empty());  // no key needed
  CHECK(c.deployments[3].line == 17);
  CHECK(c.GroupNames() == std::vector<std::string>{"a", "g", "z", "local"});
}

TEST_CASE("repeated default ids are suffixed #2, #3 and avoid explicit ids") {
  Config c = LoadOk(R"([[deployments]]
model_name = "m"
model = "openai/gpt-4o"

[[deployments]]
model_name = "m"
provider = "openai"
model = "gpt-4o"

[[deployments]]
id = "openai/gpt-4o#2"
model_name = "m"
model = "openai/gpt-4o"

[[deployments]]
model_name = "n"
model = "openai/gpt-4o"
)");
  REQUIRE(c.deployments.size() == 4);
  CHECK(c.deployments[0].id == "openai/gpt-4o");
  CHECK(c.deployments[1].id == "openai/gpt-4o#3");
  CHECK(c.deployments[2].id == "openai/gpt-4o#2");
  CHECK(c.deployments[3].id == "openai/gpt-4o#4");
}

TEST_CASE("a provider prefix in model sets the provider") {
  Config c = LoadOk(R"([[deployments]]
model_name = "z"
model = "azure/my-gpt4o"
api_base = "https://res.openai.azure.com"
api_version = "2025-01-01-preview"

[[deployments]]
model_name = "router"
provider = "openai-compatible"
model = "openai/gpt-4o"
api_base = "https://openrouter.ai/api/v1"
)");
  CHECK(c.deployments[0].provider == "azure");
  CHECK(c.deployments[0].model == "my-gpt4o");
  CHECK(c.deployments[0].api_version == "2025-01-01-preview");
  // Another provider's prefix is part of the model id (OpenRouter style).
  CHECK(c.deployments[1].provider == "openai-compatible");
  CHECK(c.deployments[1].model == "openai/gpt-4o");
  CHECK(c.deployments[1].id == "openai-compatible/openai/gpt-4o");
}

TEST_CASE("an api_key naming an unset variable makes the deployment unusable, not the file bad") {
  Config c = LoadOk(R"([[deployments]]
model_name = "m"
model = "openai/gpt-4o"
api_key = "${MY_OPENAI_KEY}"
api_base = "${OPENAI_BASE}"
headers = { "X-Team" = "${TEAM}" }

[[deployments]]
model_name = "m"
model = "anthropic/claude-sonnet-4-6"
api_key = "os.environ/MY_ANTHROPIC_KEY"
)",
                    FakeEnv({{"MY_ANTHROPIC_KEY", "ak-1"}, {"OPENAI_API_KEY", "not-used"}}));
  CHECK(c.deployments[0].missing_env == "MY_OPENAI_KEY");
  CHECK(c.deployments[0].api_key.empty());
  CHECK(c.deployments[1].missing_env.empty());
  CHECK(c.deployments[1].api_key == "ak-1");
}

TEST_CASE("every deployment key is read") {
  Config c = LoadOk(R"([[deployments]]
id = "main"
model_name = "m"
provider = "openai"
model = "gpt-4o"
api_key = "sk-${SUFFIX:-dflt}"
api_base = "https://proxy.example/v1"
rpm = 500
tpm = 200000
weight = 2.5
order = 3
timeout = "20s"
first_token_timeout = 45
stream_idle_timeout = "1m"
price = { input = 2.50, output = 10 }
headers = { "OpenAI-Organization" = "org-1", X-Other = "v" }
tls_verify = false
health_probe = false
probe = "models"
)");
  const auto& d = c.deployments.at(0);
  CHECK(d.id == "main");
  CHECK(d.api_key == "sk-dflt");
  CHECK(d.api_base == "https://proxy.example/v1");
  CHECK(d.rpm == 500);
  CHECK(d.tpm == 200000);
  CHECK(d.weight == 2.5);
  CHECK(d.order == 3);
  CHECK(d.timeout == Millis(20000));
  CHECK(d.first_token_timeout == Millis(45000));
  CHECK(d.stream_idle_timeout == Millis(60000));
  REQUIRE(d.price);
  CHECK(d.price->input == 2.5);
  CHECK(d.price->output == 10.0);
  CHECK(d.headers.size() == 2);
  CHECK(d.headers[0] == std::pair<std::string, std::string>{"OpenAI-Organization", "org-1"});
  CHECK(d.headers[1] == std::pair<std::string, std::string>{"X-Other", "v"});
  CHECK_FALSE(d.tls_verify);
  CHECK_FALSE(d.health_probe);
  CHECK(d.probe == "models");
}

TEST_CASE("server, router, cache, usage and record sections are read") {
  Config c = LoadOk(R"([server]
listen = "0.0.0.0:${PORT:-4000}"
api_keys = ["${DETOUR_API_KEY}", "literal"]
max_body = 1048576
shutdown_grace = "3s"
allow_unauthenticated = true
threads = 3

[router]
strategy = "priority"
timeout = 12.5
request_timeout = "2m"
num_retries = 4
backoff = { base = "100ms", max = "2s" }
max_retry_after = "5s"
allowed_fails = 1
cooldown_window = "30s"
cooldown = "15s"
probe_interval = "5s"
stream_resume = "off"

[router.retry_policy]
timeout = 1
rate_limit = 3

[cache]
enabled = true
ttl = "1h"
max_entries = 50

[usage]
log = "${LOGDIR:-/tmp}/usage.jsonl"

[record]
path = "outages.jsonl"
)",
                    FakeEnv({{"DETOUR_API_KEY", "client-key"}}));
  CHECK(c.server.listen == "0.0.0.0:4000");
  CHECK(c.server.api_keys == std::vector<std::string>{"client-key", "literal"});
  CHECK(c.server.max_body == 1048576u);
  CHECK(c.server.shutdown_grace == Millis(3000));
  CHECK(c.server.allow_unauthenticated);
  CHECK(c.server.threads == 3);
  CHECK(c.router.strategy == "priority");
  CHECK(c.router.timeout == Millis(12500));
  CHECK(c.router.request_timeout == Millis(120000));
  CHECK(c.router.num_retries == 4);
  CHECK(c.router.backoff.base == Millis(100));
  CHECK(c.router.backoff.max == Millis(2000));
  CHECK(c.router.max_retry_after == Millis(5000));
  CHECK(c.router.allowed_fails == 1);
  CHECK(c.router.cooldown_window == Millis(30000));
  CHECK(c.router.cooldown == Millis(15000));
  CHECK(c.router.probe_interval == Millis(5000));
  CHECK(c.router.stream_resume == "off");
  CHECK(c.router.retry_policy[static_cast<int>(ErrorKind::kTimeout)] == 1);
  CHECK(c.router.retry_policy[static_cast<int>(ErrorKind::kRateLimit)] == 3);
  CHECK_FALSE(c.router.retry_policy[static_cast<int>(ErrorKind::kAuth)].has_value());
  CHECK(c.cache.enabled);
  CHECK(c.cache.ttl == Millis(3600000));
  CHECK(c.cache.max_entries == 50u);
  CHECK(c.usage.log == "/tmp/usage.jsonl");
  CHECK(c.record.path == "outages.jsonl");
}

TEST_CASE("router fallbacks keep their order") {
  Config c = LoadOk(R"([router]
default_model = "a"
[router.fallbacks]
a = ["b", "c"]
b = ["c"]
[router.context_window_fallbacks]
a = ["c"]

[[deployments]]
model_name = "a"
model = "openai/gpt-4o"
[[deployments]]
model_name = "b"
model = "anthropic/claude-sonnet-4-6"
[[deployments]]
model_name = "c"
model = "gemini/gemini-2.5-pro"
)");
  CHECK(c.router.default_model == "a");
  CHECK(c.router.fallbacks.at("a") == std::vector<std::string>{"b", "c"});
  CHECK(c.router.fallbacks.at("b") == std::vector<std::string>{"c"});
  CHECK(c.router.context_window_fallbacks.at("a") == std::vector<std::string>{"c"});
  CHECK(c.router.content_policy_fallbacks.empty());
}

TEST_CASE("default_model may name a deployment id") {
  Config c = LoadOk(R"([router]
default_model = "openai/gpt-4o"
[[deployments]]
model_name = "a"
model = "openai/gpt-4o"
)");
  CHECK(c.router.default_model == "openai/gpt-4o");
}

}  // namespace
}  // namespace detour

namespace detour {
namespace {
using config_test::FakeEnv;
using config_test::LoadIssues;
using config_test::LoadOk;
using Issues = std::vector<std::string>;

TEST_CASE("api_keys entries may be tables naming a team and a budget (SPEC 9)") {
  auto c = LoadOk(R"([server]
api_keys = ["${PLAIN}", { key = "${SEARCH}", team = "search", budget = { usd = 50, per = "day" } },
            { key = "k3", team = "ads", budget = { usd = 1.5, per = "month" } }, { key = "k4" }]
)",
                FakeEnv({{"PLAIN", "plain-key"}, {"SEARCH", "search-key"}}));
  CHECK(c.server.api_keys == std::vector<std::string>{"plain-key", "search-key", "k3", "k4"});
  REQUIRE(c.server.clients.size() == 4);
  CHECK(c.server.clients[0].team == "default");
  CHECK_FALSE(c.server.clients[0].budget);
  CHECK(c.server.clients[1].team == "search");
  REQUIRE(c.server.clients[1].budget);
  CHECK(c.server.clients[1].budget->usd == 50);
  CHECK(c.server.clients[1].budget->per == "day");
  CHECK(c.server.clients[2].budget->per == "month");
  CHECK(c.server.clients[3].team == "default");
}

TEST_CASE("a bad client key table is reported with file:line and key") {
  auto issues = LoadIssues(R"([server]
api_keys = [{ team = "x" }, { key = "k", budget = { usd = 5, per = "week" } }, { key = "k2", tema = "y" }]
)");
  CHECK(issues == Issues{
                      "t.toml:2: server.api_keys[0].key: a client key table needs a non-empty `key`",
                      "t.toml:2: server.api_keys[1].budget.per: unknown budget period \"week\" (use day or month)",
                      "t.toml:2: server.api_keys[2].tema: unknown key \"tema\" (did you mean \"team\"?)",
                  });
}

}  // namespace
}  // namespace detour
