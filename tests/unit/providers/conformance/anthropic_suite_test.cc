// Anthropic in the conformance suite: fixtures in the Messages API's documented wire
// format (provider-protocols.md 4.3-4.5), which must come back as the same neutral answers
// as every other provider's.
#include <doctest/doctest.h>

#include "conformance.h"
#include "providers/vertex/provider.h"

namespace detour::conformance {
namespace {

std::string Usage(int input, int output, int cache_read = 0) {
  return R"({"input_tokens":)" + std::to_string(input) + R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":)" +
         std::to_string(cache_read) + R"(,"output_tokens":)" + std::to_string(output) + "}";
}

std::string Message(const std::string& content, const std::string& stop, const std::string& usage) {
  return R"({"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant",
    "model":"claude-sonnet-4-5-20250929","content":)" + content + R"(,"stop_reason":")" + stop +
         R"(","stop_sequence":null,"usage":)" + usage + "}";
}

std::string Text(const std::string& text) { return R"({"type":"text","text":")" + text + R"("})"; }

std::string ToolUse(const std::string& id, const std::string& city) {
  return R"({"type":"tool_use","id":")" + id + R"(","name":"get_weather","input":{"location":")" + city + R"("}})";
}

// One SSE event; `data` may be written over several source lines (JSON whitespace), but
// goes on the wire as one data line.
std::string Event(const std::string& name, std::string data) {
  std::erase(data, '\n');
  return "event: " + name + "\ndata: " + data + "\n\n";
}

std::string MessageStart(int input) {
  return Event("message_start", R"({"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant",
    "model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":)" +
                                    Usage(input, 1) + "}}");
}

std::string BlockDelta(int index, const std::string& delta) {
  return Event("content_block_delta",
               R"({"type":"content_block_delta","index":)" + std::to_string(index) + R"(,"delta":)" + delta + "}");
}

std::string BlockStop(int index) {
  return Event("content_block_stop", R"({"type":"content_block_stop","index":)" + std::to_string(index) + "}");
}

std::string MessageEnd(const std::string& stop, int output) {
  return Event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":")" + stop +
                                    R"(","stop_sequence":null},"usage":{"output_tokens":)" + std::to_string(output) + "}}") +
         Event("message_stop", R"({"type":"message_stop"})");
}

std::string StreamText() {
  return MessageStart(10) +
         Event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
         Event("ping", R"({"type": "ping"})") + BlockDelta(0, R"({"type":"text_delta","text":"Hel"})") +
         BlockDelta(0, R"({"type":"text_delta","text":"lo!"})") + BlockStop(0) + MessageEnd("end_turn", 3);
}

std::string StreamTools() {
  return MessageStart(20) +
         Event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use",
           "id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}})") +
         BlockDelta(0, R"({"type":"input_json_delta","partial_json":""})") +
         BlockDelta(0, R"({"type":"input_json_delta","partial_json":"{\"locat"})") +
         BlockDelta(0, R"({"type":"input_json_delta","partial_json":"ion\": \"Paris\"}"})") + BlockStop(0) +
         MessageEnd("tool_use", 8);
}

std::string ErrorBody(const std::string& type, const std::string& message) {
  return R"({"type":"error","error":{"type":")" + type + R"(","message":")" + message +
         R"("},"request_id":"req_011CSLsW7mFqvHHnzrKdKjAE"})";
}

std::vector<ErrorCase> Errors() {
  net::Headers json = {{"content-type", "application/json"}};
  auto http = [&](int status, const std::string& type, const std::string& message, ErrorKind kind) {
    return ErrorCase{std::to_string(status) + " " + type + ": " + message, {status, json, ErrorBody(type, message)}, kind, std::nullopt, false};
  };
  std::vector<ErrorCase> errors = {
      http(529, "overloaded_error", "Overloaded", ErrorKind::kServerError),
      http(400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum", ErrorKind::kContextWindow),
      http(400, "invalid_request_error",
           "input length and `max_tokens` exceed context limit: 188059 + 20000 > 200000, decrease input length or "
           "`max_tokens` and try again",
           ErrorKind::kContextWindow),
      http(400, "invalid_request_error",
           "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or "
           "purchase credits.",
           ErrorKind::kAuth),
      http(401, "authentication_error", "invalid x-api-key", ErrorKind::kAuth),
      http(403, "permission_error", "Your API key does not have permission to use the specified resource.",
           ErrorKind::kAuth),
      http(404, "not_found_error", "model: claude-nonexistent", ErrorKind::kNotFound),
      http(400, "invalid_request_error", "messages: roles must alternate between \\\"user\\\" and \\\"assistant\\\"",
           ErrorKind::kBadRequest),
      http(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.", ErrorKind::kBadRequest),
      http(500, "api_error", "Internal server error", ErrorKind::kServerError),
      http(504, "timeout_error", "Request timeout", ErrorKind::kTimeout),
  };
  errors.push_back({"429 rate_limit_error with retry-after",
                    {429, {{"content-type", "application/json"}, {"retry-after", "7"}},
                     ErrorBody("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")},
                    ErrorKind::kRateLimit, 7.0});
  errors.push_back({"event: error overloaded_error inside a 200 stream",
                    {200, {{"content-type", "text/event-stream"}},
                     MessageStart(10) + Event("error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})")},
                    ErrorKind::kServerError, std::nullopt, true});
  errors.push_back({"malformed stream event",
                    {200, {{"content-type", "text/event-stream"}},
                     MessageStart(10) + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\n\n"},
                    ErrorKind::kConnection, std::nullopt, true});
  return errors;
}

// The request in Anthropic's shape: the model, a max_tokens, system at the top level,
// strict user/assistant alternation, tool calls and results as blocks.
// On Vertex the model is in the URL, not the body (`vertex`).
void CheckRequest(const std::string& scenario, const testing::FakeHttp::Seen& sent, bool vertex = false) {
  CAPTURE(scenario);
  Json body = Json::parse(sent.body);
  if (vertex) {
    CHECK_FALSE(body.contains("model"));
    CHECK(body["anthropic_version"] == "vertex-2023-10-16");
  } else {
    CHECK(body["model"] == "claude-sonnet-4-5");
  }
  CHECK(body["max_tokens"] == 4096);
  CHECK(body.value("stream", false) == (scenario.rfind("stream_", 0) == 0));
  CHECK_FALSE(body.contains("stream_options"));
  const Json& messages = body["messages"];
  REQUIRE(messages.is_array());
  REQUIRE_FALSE(messages.empty());
  for (size_t i = 0; i < messages.size(); ++i) CHECK(messages[i]["role"] == (i % 2 == 0 ? "user" : "assistant"));
  if (scenario == "system") CHECK(body["system"] == "You are terse.");
  if (body.contains("tools")) CHECK(body["tools"][0]["input_schema"]["required"][0] == "location");
  if (scenario == "tool_result") {
    REQUIRE(messages.size() == 3);
    const Json& call = messages[1]["content"][0];
    CHECK(call["type"] == "tool_use");
    CHECK(call["id"] == "call_1");
    CHECK(call["input"] == Json{{"location", "Paris"}});
    const Json& result = messages[2]["content"][0];
    CHECK(result["type"] == "tool_result");
    CHECK(result["tool_use_id"] == "call_1");
    CHECK(result["content"] == "18C sunny");
  }
}

// The fixtures every Anthropic-protocol deployment answers with (direct and on Vertex).
void AddAnthropicFixtures(ProviderSuite& s) {
  const std::string hello = Message("[" + Text("Hello!") + "]", "end_turn", Usage(10, 3));
  s.answers = {
      {"text", {200, {}, hello}},
      {"system", {200, {}, hello}},
      // Cached prompt tokens count in prompt_tokens (Anthropic's input_tokens excludes them).
      {"multi_turn", {200, {}, Message("[" + Text("Hello!") + "]", "end_turn", Usage(4, 3, 6))}},
      {"tools", {200, {}, Message("[" + Text("Let me check.") + "," + ToolUse("toolu_01A", "Paris") + "]", "tool_use", Usage(20, 8))}},
      {"tool_result", {200, {}, Message("[" + Text("It is 18C and sunny in Paris.") + "]", "end_turn", Usage(30, 9))}},
      {"parallel_tools", {200, {}, Message("[" + ToolUse("toolu_01A", "Paris") + "," + ToolUse("toolu_01B", "Tokyo") + "]",
                                           "tool_use", Usage(20, 16))}},
  };
  s.streams = {{"stream_text", {200, {}, StreamText()}}, {"stream_tools", {200, {}, StreamTools()}}};
  s.errors = Errors();
}

TEST_CASE("conformance: anthropic") {
  ProviderSuite s;
  s.name = "anthropic";
  s.dep.id = "anthropic";
  s.dep.provider = "anthropic";
  s.dep.model = "claude-sonnet-4-5";
  s.dep.api_base = "https://api.anthropic.com";
  s.dep.api_key = "sk-ant-conformance-KEY-0001";
  s.auth_header = "x-api-key";
  s.auth_value = "sk-ant-conformance-KEY-0001";
  s.url_contains = "https://api.anthropic.com/v1/messages";
  AddAnthropicFixtures(s);
  s.check_request = [](const std::string& scenario, const testing::FakeHttp::Seen& sent) {
    CheckRequest(scenario, sent);
    bool has_version = false;
    for (const auto& [k, v] : sent.headers) has_version = has_version || (k == "anthropic-version" && v == "2023-06-01");
    CHECK(has_version);
  };
  RunConformance(s);
}

struct StubTokens final : TokenSource {
  Result<std::string> Token(const AttemptLimits&) override { return std::string("ya29.stub-token"); }
};

TEST_CASE("conformance: vertex (claude models)") {
  ProviderSuite s;
  s.name = "vertex-claude";
  s.dep.id = "vertex-claude";
  s.dep.provider = "vertex";
  s.dep.model = "claude-sonnet-4-5";
  s.dep.project = "proj-1";
  s.dep.location = "us-east5";
  s.dep.api_base = "https://us-east5-aiplatform.googleapis.com";
  s.auth_header = "Authorization";
  s.auth_value = "Bearer ya29.stub-token";
  s.url_contains = "https://us-east5-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-east5/"
                   "publishers/anthropic/models/claude-sonnet-4-5:";
  s.make = [dep = s.dep](testing::FakeHttp& http) {
    return vertex::MakeVertexProviderWith(dep, http, SystemClock(), std::make_shared<StubTokens>());
  };
  AddAnthropicFixtures(s);
  s.check_request = [](const std::string& scenario, const testing::FakeHttp::Seen& sent) {
    CheckRequest(scenario, sent, /*vertex=*/true);
    CHECK(sent.url.find(scenario.rfind("stream_", 0) == 0 ? ":streamRawPredict" : ":rawPredict") != std::string::npos);
    for (const auto& [k, v] : sent.headers) {
      CHECK(k != "x-api-key");
      CHECK(k != "anthropic-version");
    }
  };
  RunConformance(s);
}

}  // namespace
}  // namespace detour::conformance
