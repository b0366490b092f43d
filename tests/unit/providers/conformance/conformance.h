// One conformance suite every provider adapter passes (DESIGN.md rule 4): the same
// neutral requests (text, system, multi-turn, tools, a tool result, parallel tool calls,
// streams with usage and with tool calls) go through each provider against recorded
// fixtures of that provider's documented wire format, and must come back as the same
// neutral answers; every error fixture must be classified into the right kind.
//
// A provider joins by defining a ProviderSuite (its deployment config, one fixture per
// scenario, its error fixtures, where its key goes) in a *_suite_test.cc beside this file
// and calling RunConformance from a TEST_CASE.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/error.h"
#include "model/types.h"
#include "providers/provider.h"
#include "../fake_http.h"

namespace detour::conformance {

// The scenarios, by name. Each has a neutral request and an expected neutral answer.
inline const std::vector<std::string> kChatScenarios = {"text", "system", "multi_turn", "tools",
                                                       "tool_result", "parallel_tools"};
inline const std::vector<std::string> kStreamScenarios = {"stream_text", "stream_tools"};

ChatRequest ScenarioRequest(const std::string& scenario);

struct ExpectedCall {
  std::string name;
  Json arguments;  // parsed from the OpenAI-style JSON string
};

struct ExpectedAnswer {
  std::string content;
  std::string finish_reason;
  std::vector<ExpectedCall> tool_calls;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

// What every provider's fixture for `scenario` must translate into. The fixtures of each
// provider say the same things in that provider's format: content "Hello!" (10 prompt,
// 3 completion tokens); a get_weather(location="Paris") call (20/8); after the tool result
// "It is 18C and sunny in Paris." (30/9); two calls, Paris then Tokyo (20/16).
ExpectedAnswer ScenarioAnswer(const std::string& scenario);

// An upstream answer: a non-stream body, or for streams the whole SSE text.
struct WireAnswer {
  int status = 200;
  net::Headers headers;
  std::string body;
};

struct ErrorCase {
  std::string name;
  WireAnswer answer;
  ErrorKind kind;
  std::optional<double> retry_after_s;
  bool in_stream = false;  // delivered as a 200 stream (an error event mid-stream)
};

struct ProviderSuite {
  std::string name;
  DeploymentConfig dep;  // api_key is set by the suite author; it must stay out of URLs
  std::map<std::string, WireAnswer> answers;  // every kChatScenarios entry
  std::map<std::string, WireAnswer> streams;  // every kStreamScenarios entry
  std::vector<ErrorCase> errors;
  std::string auth_header;  // the header that carries the credential
  std::string auth_value;   // its exact value
  std::string url_contains;  // a piece of the request URL (path of the endpoint)
  // Builds the provider over `http` (default: the registry's MakeProvider).
  std::function<std::unique_ptr<Provider>(testing::FakeHttp& http)> make;
  // Extra provider-specific checks of the request sent for `scenario` (may be empty).
  std::function<void(const std::string& scenario, const testing::FakeHttp::Seen& sent)> check_request;
};

// Runs every scenario and error case of `suite` with doctest CHECKs.
void RunConformance(const ProviderSuite& suite);

}  // namespace detour::conformance
