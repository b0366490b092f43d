// `detour config convert` (SPEC 2.4): the printed TOML loads as detour TOML and yields the
// same routing-relevant Config as the YAML it came from; secrets stay references.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config/litellm.h"
#include "litellm_test_util.h"

namespace detour {
namespace {

using config_test::FakeEnv;

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(DETOUR_SOURCE_DIR) + "/examples/litellm/" + name);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Everything routing reads, one field per line, so a mismatch names the field.
std::string Routing(const Config& c) {
  std::ostringstream o;
  const auto& r = c.router;
  o << "strategy " << r.strategy << "\ndefault_model " << r.default_model << "\ntimeout "
    << r.timeout.count() << "\nfirst_token " << r.first_token_timeout.count() << "\nidle "
    << r.stream_idle_timeout.count() << "\nrequest " << r.request_timeout.count() << "\nretries "
    << r.num_retries << "\nallowed_fails " << r.allowed_fails << "\ncooldown " << r.cooldown.count()
    << "\nwindow " << r.cooldown_window.count() << "\n";
  for (int k = 0; k < kErrorKindCount; ++k)
    o << "retry_policy[" << k << "] " << (r.retry_policy[k] ? std::to_string(*r.retry_policy[k]) : "-") << "\n";
  for (const auto* m : {&r.fallbacks, &r.context_window_fallbacks, &r.content_policy_fallbacks})
    for (const auto& [g, ts] : *m) {
      o << "fallback " << g << ":";
      for (const auto& t : ts) o << " " << t;
      o << "\n";
    }
  for (const auto& d : c.deployments) {
    o << "deployment " << d.id << " " << d.model_name << " " << d.provider << " " << d.model << " "
      << d.api_base << " " << d.api_version << " key=" << d.api_key << " missing=" << d.missing_env
      << " rpm=" << d.rpm.value_or(-1) << " tpm=" << d.tpm.value_or(-1) << " weight="
      << d.weight.value_or(-1) << " order=" << d.order << " timeout="
      << (d.timeout ? d.timeout->count() : -1) << " ftt="
      << (d.first_token_timeout ? d.first_token_timeout->count() : -1) << " price="
      << (d.price ? d.price->input : -1) << "/" << (d.price ? d.price->output : -1) << " headers="
      << d.headers.size() << " project=" << d.project << " location=" << d.location << "\n";
  }
  o << "api_keys";
  for (const auto& k : c.server.api_keys) o << " " << k;
  o << "\ncache " << c.cache.enabled << " " << c.cache.ttl.count() << "\n";
  return o.str();
}

void RoundTrip(const std::string& yaml, const EnvLookup& env) {
  auto from_yaml = LoadConfigText(yaml, "c.yaml", env);
  REQUIRE(from_yaml.ok());
  auto conv = ConvertLiteLLM(yaml, "c.yaml", SecretStyle::kReference);
  REQUIRE(conv.ok());
  CHECK(conv->errors.empty());
  INFO(conv->toml);
  auto from_toml = LoadConfigText(conv->toml, "detour.toml", env);
  if (!from_toml.ok()) FAIL(config_test::IssueStrings(from_toml.error()).front());
  CHECK(Routing(*from_toml) == Routing(*from_yaml));
}

TEST_CASE("litellm convert: each seed example converts to TOML that routes identically") {
  auto env = FakeEnv({{"OPENAI_API_KEY", "sk-o"},
                      {"ANTHROPIC_API_KEY", "sk-a"},
                      {"AZURE_EASTUS_API_BASE", "https://east.example.com"},
                      {"AZURE_EASTUS_API_KEY", "k-e"},
                      {"AZURE_WESTEUROPE_API_BASE", "https://west.example.com"},
                      {"AZURE_WESTEUROPE_API_KEY", "k-w"},
                      // the plain-text keys of azure-fallback.yaml, exported as the comments say
                      {"GPT_3_5_TURBO_API_KEY", "your-azure-api-key"},
                      {"GPT_4_API_KEY", "your-azure-api-key"}});
  for (const char* name : {"azure-fallback.yaml", "retry-policy.yaml", "least-busy.yaml",
                           "minimal-gateway.yaml"}) {
    CAPTURE(name);
    RoundTrip(ReadExample(name), env);
  }
}

TEST_CASE("litellm convert: every mapped key survives the round trip") {
  RoundTrip(R"(model_list:
  - model_name: "fast.v1"
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      api_base: "http://127.0.0.1:9/v1"
      rpm: 10
      tpm: 1000
      timeout: 1.5
      stream_timeout: 4
      weight: 2
      order: 1
      input_cost_per_token: 0.000001
      organization: org-1
    model_info: {id: "fast-1", mode: chat}
  - model_name: slow
    litellm_params: {model: vertex_ai/gemini-2.0-flash, vertex_project: p-1, vertex_location: global, vertex_credentials: /sa.json}
  - model_name: az
    litellm_params: {model: azure/dep, api_key: os.environ/AZ, api_version: "2024-06-01"}
litellm_settings:
  request_timeout: 200
  default_fallbacks: [slow]
  cache: true
  cache_params: {ttl: 30}
general_settings:
  master_key: os.environ/MASTER
router_settings:
  routing_strategy: latency-based-routing
  fallbacks:
    - fast.v1: [az]
  context_window_fallbacks:
    - fast.v1: [slow]
  retry_policy: {TimeoutErrorRetries: 1, RateLimitErrorRetries: 2}
  num_retries: 3
  allowed_fails: 1
  cooldown_time: 5
)",
            FakeEnv({{"OPENAI_API_KEY", "sk"}, {"AZ", "az"}, {"AZURE_API_BASE", "https://az.example.com"},
                     {"MASTER", "m-key"}}));
}

TEST_CASE("litellm convert: keys stay references and no secret is printed") {
  auto conv = ConvertLiteLLM(R"(model_list:
  - model_name: gpt-4
    litellm_params: {model: gpt-4, api_key: sk-live-123456}
  - model_name: b
    litellm_params: {model: claude-3-opus, api_key: os.environ/ANTHROPIC_API_KEY}
general_settings:
  master_key: sk-master-999
  alerting: ["slack"]
)",
                             "c.yaml", SecretStyle::kReference);
  REQUIRE(conv.ok());
  const std::string& t = conv->toml;
  CHECK(t.find("sk-live-123456") == std::string::npos);
  CHECK(t.find("sk-master-999") == std::string::npos);
  CHECK(t.find("api_key = \"${GPT_4_API_KEY}\"") != std::string::npos);
  CHECK(t.find("export GPT_4_API_KEY=") != std::string::npos);
  CHECK(t.find("api_key = \"${ANTHROPIC_API_KEY}\"") != std::string::npos);
  CHECK(t.find("api_keys = [\"${DETOUR_API_KEY}\"]") != std::string::npos);
  CHECK(t.find("# dropped general_settings.alerting (c.yaml:8)") != std::string::npos);
  for (const auto& w : conv->warnings) {
    CHECK(w.message.find("sk-live") == std::string::npos);
    CHECK(w.message.find("sk-master") == std::string::npos);
  }
}

}  // namespace
}  // namespace detour
