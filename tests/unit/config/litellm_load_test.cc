// LiteLLM config.yaml (SPEC 2.4): every supported key lands in the same Config the TOML
// loader produces; unsupported keys are reported by name with their line.
#include <doctest/doctest.h>

#include "config/litellm.h"
#include "litellm_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;
using litellm_test::LoadYaml;
using litellm_test::YamlIssues;

TEST_CASE("litellm: a .yaml/.yml name or LiteLLM top-level keys select the YAML loader") {
  CHECK(LooksLikeLiteLLM("config.yaml", ""));
  CHECK(LooksLikeLiteLLM("CONFIG.YML", ""));
  CHECK(LooksLikeLiteLLM("config", "# x\nmodel_list:\n  - model_name: a\n"));
  CHECK(LooksLikeLiteLLM("-", "router_settings:\n  num_retries: 1\n"));
  CHECK_FALSE(LooksLikeLiteLLM("detour.toml", "[router]\nnum_retries = 1\n"));
}

TEST_CASE("litellm: azure/<deployment> is an azure deployment named by the Azure deployment") {
  Config c = LoadYaml(R"(model_list:
  - model_name: gpt-3.5-turbo
    litellm_params:
      model: azure/your-deployment-name
      api_base: https://your-azure-endpoint.com/
      api_key: os.environ/AZURE_KEY
      api_version: "2024-06-01"
      rpm: 6
      tpm: 1000
)",
                      FakeEnv({{"AZURE_KEY", "az-secret"}}));
  REQUIRE(c.deployments.size() == 1);
  const auto& d = c.deployments[0];
  CHECK(d.model_name == "gpt-3.5-turbo");
  CHECK(d.provider == "azure");
  CHECK(d.model == "your-deployment-name");
  CHECK(d.id == "azure/your-deployment-name");
  CHECK(d.api_base == "https://your-azure-endpoint.com");
  CHECK(d.api_key == "az-secret");
  CHECK(d.api_version == "2024-06-01");
  CHECK(d.rpm == 6);
  CHECK(d.tpm == 1000);
  CHECK(d.line == 2);
  CHECK(c.source == "c.yaml");
}

TEST_CASE("litellm: provider prefixes and LiteLLM's inference for bare model names") {
  Config c = LoadYaml(R"(model_list:
  - model_name: a
    litellm_params: {model: gpt-4, api_key: k1}
  - model_name: b
    litellm_params: {model: claude-sonnet-4-6, api_key: k2}
  - model_name: c
    litellm_params: {model: gemini/gemini-2.0-flash, api_key: k3}
  - model_name: d
    litellm_params: {model: openai/gpt-4o, api_key: k4}
  - model_name: e
    litellm_params: {model: anthropic/claude-3-5-haiku, api_key: k5}
  - model_name: f
    litellm_params: {model: hosted_vllm/meta-llama/Llama-3-8B, api_base: "http://127.0.0.1:8000/v1"}
  - model_name: g
    litellm_params: {model: vertex_ai/gemini-2.0-flash, vertex_project: my-proj, vertex_location: europe-west4, vertex_credentials: /sa.json}
)");
  REQUIRE(c.deployments.size() == 7);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& d : c.deployments) got.emplace_back(d.provider, d.model);
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {"openai", "gpt-4"},
                   {"anthropic", "claude-sonnet-4-6"},
                   {"gemini", "gemini-2.0-flash"},
                   {"openai", "gpt-4o"},
                   {"anthropic", "claude-3-5-haiku"},
                   {"openai-compatible", "meta-llama/Llama-3-8B"},
                   {"vertex", "gemini-2.0-flash"}});
  CHECK(c.deployments[0].api_base == "https://api.openai.com/v1");
  CHECK(c.deployments[6].project == "my-proj");
  CHECK(c.deployments[6].location == "europe-west4");
  CHECK(c.deployments[6].credentials == "/sa.json");
}

TEST_CASE("litellm: every litellm_params key maps to its deployment field") {
  Config c = LoadYaml(R"(model_list:
  - model_name: fast
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      api_base: os.environ/OPENAI_BASE
      timeout: 12.5
      stream_timeout: 4
      weight: 3
      order: 2
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      organization: org-1
      extra_headers: {X-Team: search}
    model_info:
      id: my-id
      mode: chat
)",
                      FakeEnv({{"OPENAI_API_KEY", "sk-1"}, {"OPENAI_BASE", "http://127.0.0.1:9/v1"}}));
  const auto& d = c.deployments.at(0);
  CHECK(d.id == "my-id");
  CHECK(d.api_key == "sk-1");
  CHECK(d.api_base == "http://127.0.0.1:9/v1");
  CHECK(d.timeout == Millis(12500));
  CHECK(d.first_token_timeout == Millis(4000));
  CHECK(d.stream_idle_timeout == Millis(4000));
  CHECK(d.weight == 3);
  CHECK(d.order == 2);
  REQUIRE(d.price.has_value());
  CHECK(d.price->input == doctest::Approx(2.5));
  CHECK(d.price->output == doctest::Approx(10.0));
  CHECK(d.headers == std::vector<std::pair<std::string, std::string>>{
                         {"OpenAI-Organization", "org-1"}, {"X-Team", "search"}});
  // `order` with no routing_strategy: LiteLLM tries lower orders first = priority.
  CHECK(c.router.strategy == "priority");
}

TEST_CASE("litellm: an unset os.environ key makes the deployment unusable, not the file invalid") {
  Config c = LoadYaml(R"(model_list:
  - model_name: a
    litellm_params: {model: gpt-4, api_key: os.environ/NOPE}
)");
  CHECK(c.deployments.at(0).missing_env == "NOPE");
  CHECK(c.deployments.at(0).api_key.empty());
}

TEST_CASE("litellm: router_settings map onto [router]") {
  Config c = LoadYaml(R"(model_list:
  - {model_name: a, litellm_params: {model: gpt-4, api_key: k}}
  - {model_name: b, litellm_params: {model: gpt-4o, api_key: k}}
  - {model_name: long, litellm_params: {model: gpt-4.1, api_key: k}}
  - {model_name: safe, litellm_params: {model: claude-3-opus, api_key: k}}
router_settings:
  routing_strategy: least-busy
  fallbacks:
    - a: ["b"]
  context_window_fallbacks:
    - a: [long]
  content_policy_fallbacks:
    - a: [safe]
  num_retries: 4
  timeout: 20
  stream_timeout: 7
  allowed_fails: 5
  cooldown_time: 12
  cache_responses: true
)");
  const auto& r = c.router;
  CHECK(r.strategy == "least-busy");
  CHECK(r.fallbacks.at("a") == std::vector<std::string>{"b"});
  CHECK(r.context_window_fallbacks.at("a") == std::vector<std::string>{"long"});
  CHECK(r.content_policy_fallbacks.at("a") == std::vector<std::string>{"safe"});
  CHECK(r.num_retries == 4);
  CHECK(r.timeout == Millis(20000));
  CHECK(r.request_timeout == Millis(120000));
  CHECK(r.first_token_timeout == Millis(7000));
  CHECK(r.stream_idle_timeout == Millis(7000));
  CHECK(r.allowed_fails == 5);
  CHECK(r.cooldown == Millis(12000));
  CHECK(c.cache.enabled);
}

TEST_CASE("litellm: routing_strategy names map to detour strategies") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"simple-shuffle", "simple-shuffle"},       {"least-busy", "least-busy"},
      {"latency-based-routing", "lowest-latency"}, {"usage-based-routing", "usage"},
      {"usage-based-routing-v2", "usage"},         {"cost-based-routing", "cost"},
  };
  for (const auto& strategy : cases) {
    const auto& name = strategy.first;
    const auto& expected = strategy.second;
    CAPTURE(strategy.first);
    Config c = LoadYaml("model_list:\n  - {model_name: a, litellm_params: {model: gpt-4, api_key: k}}\n"
                        "router_settings:\n  routing_strategy: " + name + "\n");
    CHECK(c.router.strategy == expected);
  }
  CHECK(YamlIssues("model_list:\n  - {model_name: a, litellm_params: {model: gpt-4, api_key: k}}\n"
                   "router_settings:\n  routing_strategy: least-bussy\n")
            .front()
            .find("c.yaml:4: router_settings.routing_strategy: routing_strategy \"least-bussy\" is "
                  "not supported by detour (did you mean \"least-busy\"?)") == 0);
}

TEST_CASE("litellm: retry_policy's LiteLLM names map to error kinds (SPEC 2.4)") {
  Config c = LoadYaml(R"(model_list:
  - {model_name: a, litellm_params: {model: gpt-4, api_key: k}}
router_settings:
  retry_policy:
    TimeoutErrorRetries: 3
    RateLimitErrorRetries: 5
    InternalServerErrorRetries: 4
    AuthenticationErrorRetries: 1
    BadRequestErrorRetries: 0
    ContentPolicyViolationErrorRetries: 2
)");
  const auto& p = c.router.retry_policy;
  CHECK(p[static_cast<int>(ErrorKind::kTimeout)] == 3);
  CHECK(p[static_cast<int>(ErrorKind::kRateLimit)] == 5);
  CHECK(p[static_cast<int>(ErrorKind::kServerError)] == 4);
  CHECK(p[static_cast<int>(ErrorKind::kAuth)] == 1);
  CHECK(p[static_cast<int>(ErrorKind::kBadRequest)] == 0);
  CHECK(p[static_cast<int>(ErrorKind::kContentPolicy)] == 2);
  CHECK_FALSE(p[static_cast<int>(ErrorKind::kConnection)].has_value());

  auto issues = YamlIssues(R"(model_list:
  - {model_name: a, litellm_params: {model: gpt-4, api_key: k}}
router_settings:
  retry_policy:
    TimeoutErrorRetry: 3
)");
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].rfind("c.yaml:5: router_settings.retry_policy.TimeoutErrorRetry: LiteLLM key "
                        "\"TimeoutErrorRetry\" is not supported by detour (did you mean "
                        "\"TimeoutErrorRetries\"?)", 0) == 0);
}

TEST_CASE("litellm: litellm_settings and general_settings keys that matter") {
  Config c = LoadYaml(R"(model_list:
  - {model_name: a, litellm_params: {model: gpt-4, api_key: k}}
  - {model_name: b, litellm_params: {model: gpt-4o, api_key: k}}
  - {model_name: c, litellm_params: {model: gpt-4o-mini, api_key: k}}
litellm_settings:
  num_retries: 1
  request_timeout: 600
  default_fallbacks: [b, c]
  cache: true
  cache_params: {type: local, ttl: 60}
  drop_params: true
  success_callback: ["langfuse"]
general_settings:
  master_key: os.environ/MASTER
  database_url: postgres://x
router_settings:
  num_retries: 3
)",
                      FakeEnv({{"MASTER", "sk-master"}}));
  CHECK(c.router.num_retries == 3);  // router_settings wins, as in LiteLLM
  CHECK(c.router.timeout == Millis(600000));
  CHECK(c.router.request_timeout == Millis(600000));
  // default fallbacks: every other group, and each default group only to later ones.
  CHECK(c.router.fallbacks.at("a") == std::vector<std::string>{"b", "c"});
  CHECK(c.router.fallbacks.at("b") == std::vector<std::string>{"c"});
  CHECK(c.router.fallbacks.count("c") == 0);
  CHECK(c.cache.enabled);
  CHECK(c.cache.ttl == Millis(60000));
  CHECK(c.server.api_keys == std::vector<std::string>{"sk-master"});
}

TEST_CASE("litellm: unsupported keys are reported by name with their line") {
  auto issues = YamlIssues(R"(model_list:
  - model_name: a
    litellm_params:
      model: gpt-4
      api_key: k
      temperature: 0.2
router_settings:
  model_group_alias: {x: a}
environment_variables:
  A: b
)");
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].rfind("c.yaml:6: model_list[0].litellm_params.temperature: LiteLLM key "
                        "\"temperature\" is not supported by detour", 0) == 0);
  CHECK(issues[1].rfind("c.yaml:8: router_settings.model_group_alias: LiteLLM key "
                        "\"model_group_alias\" is not supported by detour", 0) == 0);
  CHECK(issues[2].rfind("c.yaml:9: environment_variables: LiteLLM key \"environment_variables\" is "
                        "not supported by detour: set these variables in the environment", 0) == 0);
}

TEST_CASE("litellm: the TOML loader's own checks point at YAML lines and paths") {
  auto issues = YamlIssues(R"(model_list:
  - model_name: a
    litellm_params: {model: gpt-4, api_key: k}
router_settings:
  fallbacks:
    - a: ["gtp-4"]
  num_retries: -1
)");
  REQUIRE(issues.size() == 2);
  CHECK(issues[0] == "c.yaml:6: router_settings.fallbacks[0].a[0]: unknown model group \"gtp-4\" "
                     "(no [[deployments]] has model_name = \"gtp-4\")");
  CHECK(issues[1] == "c.yaml:7: router_settings.num_retries: must be at least 0");
}

TEST_CASE("litellm: unknown providers and bare names LiteLLM could not place are errors") {
  auto issues = YamlIssues(R"(model_list:
  - {model_name: a, litellm_params: {model: bedrock/claude, api_key: k}}
  - {model_name: b, litellm_params: {model: mystery-model, api_key: k}}
)");
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].find("c.yaml:2: model_list[0].litellm_params.model: provider \"bedrock\"") == 0);
  CHECK(issues[1].find("c.yaml:3: model_list[1].litellm_params.model: cannot tell the provider of "
                       "model \"mystery-model\"") == 0);
}

TEST_CASE("litellm: a router_settings fragment fails with a clear message") {
  auto r = LoadConfigText("router_settings:\n  routing_strategy: least-busy\n", "frag.yaml", FakeEnv());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().unreadable);
  auto s = config_test::IssueStrings(r.error());
  REQUIRE(s.size() == 1);
  CHECK(s[0].rfind("frag.yaml: no model_list: this looks like a fragment", 0) == 0);
  for (const char* text : {"", "- a\n- b\n", "model_list: [\n"}) {
    auto bad = LoadConfigText(text, "x.yaml", FakeEnv());
    CHECK_FALSE(bad.ok());
  }
}

TEST_CASE("litellm: a plain-text key is accepted with a warning that never shows it") {
  auto conv = ConvertLiteLLM(R"(model_list:
  - model_name: gpt-3.5-turbo
    litellm_params: {model: azure/dep, api_base: "https://x.example.com", api_key: super-secret-value}
)",
                             "c.yaml", SecretStyle::kInline);
  REQUIRE(conv.ok());
  REQUIRE(conv->warnings.size() == 1);
  CHECK(conv->warnings[0].line == 3);
  CHECK(conv->warnings[0].ToString().find("super-secret-value") == std::string::npos);
  Config c = LoadYaml(R"(model_list:
  - model_name: gpt-3.5-turbo
    litellm_params: {model: azure/dep, api_base: "https://x.example.com", api_key: super-secret-value}
)");
  CHECK(c.deployments.at(0).api_key == "super-secret-value");
}

}  // namespace
}  // namespace detour
