// Anthropic response -> OpenAI chat.completion (provider-protocols.md 6.2, 6.9), and
// upstream bodies that are broken in every way we could think of: each one a classified
// error or a sane answer, never an exception.
#include <doctest/doctest.h>

#include "providers/anthropic/wire.h"

namespace detour::anthropic {
namespace {

constexpr int64_t kCreated = 1700000000;

Result<ChatResponse> Parse(std::string_view body) { return ParseMessage(body, "claude-fallback", kCreated); }

TEST_CASE("anthropic response: text, tool calls, finish reason, usage with cache") {
  auto r = Parse(R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
    "content":[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"text","text":"I'll check. "},
    {"type":"text","text":"One moment."},
    {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":[1,2]}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":300,"output_tokens":40}})");
  REQUIRE(r);
  const Json& b = r->body;
  CHECK(b["id"] == "msg_01");
  CHECK(b["object"] == "chat.completion");
  CHECK(b["created"] == kCreated);
  CHECK(b["model"] == "claude-sonnet-4-5-20250929");
  CHECK(r->model == "claude-sonnet-4-5-20250929");
  const Json& choice = b["choices"][0];
  CHECK(choice["index"] == 0);
  CHECK(choice["finish_reason"] == "tool_calls");
  CHECK(choice["message"]["role"] == "assistant");
  CHECK(choice["message"]["content"] == "I'll check. One moment.");
  const Json& call = choice["message"]["tool_calls"][0];
  CHECK(call["id"] == "toolu_01");
  CHECK(call["type"] == "function");
  CHECK(call["function"]["name"] == "get_weather");
  REQUIRE(call["function"]["arguments"].is_string());
  CHECK(Json::parse(call["function"]["arguments"].get<std::string>()) == Json::parse(R"({"city":"Paris","days":[1,2]})"));
  CHECK(r->usage.prompt_tokens == 412);
  CHECK(r->usage.completion_tokens == 40);
  CHECK(b["usage"] == Json::parse(R"({"prompt_tokens":412,"completion_tokens":40,"total_tokens":452,
    "prompt_tokens_details":{"cached_tokens":300}})"));
}

TEST_CASE("anthropic response: content is null beside tool calls only, \"\" when empty") {
  auto calls = Parse(R"({"content":[{"type":"tool_use","id":"t","name":"f","input":{}}],"stop_reason":"tool_use"})");
  REQUIRE(calls);
  CHECK(calls->body["choices"][0]["message"]["content"].is_null());
  CHECK(calls->body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == "{}");
  auto empty = Parse(R"({"content":[],"stop_reason":"end_turn"})");
  REQUIRE(empty);
  CHECK(empty->body["choices"][0]["message"]["content"] == "");
  CHECK(empty->body["choices"][0]["finish_reason"] == "stop");
  CHECK(empty->model == "claude-fallback");
  CHECK(empty->usage.total() == 0);
}

TEST_CASE("anthropic response: stop_reason -> finish_reason") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"end_turn", "stop"},        {"stop_sequence", "stop"},    {"max_tokens", "length"},
      {"tool_use", "tool_calls"},  {"refusal", "content_filter"}, {"pause_turn", "stop"},
      {"model_context_window_exceeded", "length"}, {"something_new", "stop"}, {"", "stop"}};
  for (const auto& row : table) {
    const std::string& anthropic = row.first;  // named copies: clang cannot capture bindings
    const std::string& openai = row.second;
    CAPTURE(anthropic);
    CHECK(FinishReason(anthropic) == openai);
    auto r = Parse(R"({"content":[{"type":"text","text":"x"}],"stop_reason":")" + anthropic + R"("})");
    REQUIRE(r);
    CHECK(r->body["choices"][0]["finish_reason"] == openai);
  }
}

TEST_CASE("anthropic response: an error envelope inside a 200 is classified") {
  auto r = Parse(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::kServerError);
  CHECK(r.error().message == "Overloaded");
  auto limit = Parse(R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})");
  REQUIRE_FALSE(limit);
  CHECK(limit.error().kind == ErrorKind::kRateLimit);
}

TEST_CASE("anthropic response: malformed bodies are connection errors, never exceptions") {
  for (const char* body : {"", "{", R"({"content":[{"type":"text","text":"cut)", "null", "[]", "42", "\"text\"",
                           R"({"type":"message"})", R"({"content":"Hello"})", R"({"content":null})",
                           R"({"content":{"type":"text"}})", "<html>502 Bad Gateway</html>"}) {
    CAPTURE(body);
    Result<ChatResponse> r = Fail(Error{});
    CHECK_NOTHROW(r = Parse(body));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::kConnection);
    CHECK(r.error().message.find("malformed response") != std::string::npos);
  }
}

TEST_CASE("anthropic response: fields of the wrong type are read as absent") {
  auto r = Parse(R"({"id":5,"model":["x"],"content":[1,null,"text",{"type":"text","text":5},
    {"type":"tool_use","id":7,"name":null,"input":"{\"a\":1}"}],"stop_reason":3,
    "usage":{"input_tokens":"12","output_tokens":-4,"cache_read_input_tokens":2.0}})");
  REQUIRE(r);
  const Json& msg = r->body["choices"][0]["message"];
  CHECK(msg["content"] == "");
  CHECK(msg["tool_calls"][0]["id"] == "");
  CHECK(msg["tool_calls"][0]["function"]["arguments"] == "{}");
  CHECK(r->body["choices"][0]["finish_reason"] == "stop");
  CHECK(r->model == "claude-fallback");
  CHECK(r->usage.prompt_tokens == 2);
  CHECK(r->usage.completion_tokens == 0);
}

}  // namespace
}  // namespace detour::anthropic
