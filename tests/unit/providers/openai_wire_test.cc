#include "providers/openai/wire.h"

#include <doctest/doctest.h>

namespace detour::openai {
namespace {

ChatRequest Request(const char* body) {
  ChatRequest req;
  req.model = "group";
  req.body = Json::parse(body);
  return req;
}

TEST_CASE("wire: the body passes through with model and stream overwritten") {
  ChatRequest req = Request(R"({"model":"group","messages":[{"role":"user","content":"hi"}],
      "temperature":0.2,"tools":[{"type":"function","function":{"name":"f"}}],"x_vendor":{"a":1},
      "stream":true,"stream_options":{"include_usage":false}})");
  Json body = BuildBody(req, "gpt-4o-mini", /*stream=*/false);
  CHECK(body == Json::parse(R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],
      "temperature":0.2,"tools":[{"type":"function","function":{"name":"f"}}],"x_vendor":{"a":1},
      "stream":false})"));
  CHECK(req.body["model"] == "group");  // the request itself is untouched
}

TEST_CASE("wire: streams always ask for usage and keep other stream options") {
  ChatRequest req = Request(R"({"messages":[],"stream_options":{"include_obfuscation":false}})");
  Json body = BuildBody(req, "m", /*stream=*/true);
  CHECK(body["stream"] == true);
  CHECK(body["stream_options"] == Json::parse(R"({"include_obfuscation":false,"include_usage":true})"));
  Json plain = BuildBody(Request(R"({"messages":[]})"), "m", true);
  CHECK(plain["stream_options"] == Json::parse(R"({"include_usage":true})"));
  CHECK(SerializeBody(plain) ==
        R"({"messages":[],"model":"m","stream":true,"stream_options":{"include_usage":true}})");
}

TEST_CASE("wire: chat.completion parsing") {
  auto ok = ParseCompletion(R"({"id":"c1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}})", "gpt-4o-mini");
  REQUIRE(ok);
  CHECK(ok->usage.prompt_tokens == 19);
  CHECK(ok->usage.completion_tokens == 10);
  CHECK(ok->model == "gpt-4o-mini-2024-07-18");
  CHECK(ok->body["choices"][0]["message"]["content"] == "Hi");

  auto no_model = ParseCompletion(R"({"choices":[],"usage":null,"model":""})", "dep-model");
  REQUIRE(no_model);
  CHECK(no_model->model == "dep-model");
  CHECK(no_model->usage.total() == 0);

  auto bad = ParseCompletion(R"({"choices":[)", "m");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::kConnection);

  auto err = ParseCompletion(R"({"error":{"message":"overloaded","type":"server_error"}})", "m");
  REQUIRE_FALSE(err);
  CHECK(err.error().kind == ErrorKind::kServerError);
  CHECK(err.error().message == "overloaded");
}

TEST_CASE("wire: chunk content detection") {
  auto content = [](const char* delta) {
    std::string chunk = std::string(R"({"choices":[{"index":0,"delta":)") + delta + "}]}";
    return ParseChunk(Json::parse(chunk)).has_content;
  };
  CHECK_FALSE(content(R"({"role":"assistant","content":"","refusal":null})"));
  CHECK_FALSE(content(R"({})"));
  CHECK_FALSE(content(R"({"content":null,"tool_calls":[]})"));
  CHECK(content(R"({"content":"Hel"})"));
  CHECK(content(R"({"refusal":"I can't"})"));
  CHECK(content(R"({"tool_calls":[{"index":0,"function":{"arguments":"{"}}]})"));
  CHECK(content(R"({"function_call":{"name":"f"}})"));
}

TEST_CASE("wire: finish reason, usage and the raw chunk") {
  StreamChunk fin = ParseChunk(Json::parse(
      R"({"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})"));
  CHECK(fin.finish_reason == std::optional<std::string>("stop"));
  CHECK_FALSE(fin.usage);
  CHECK(fin.data["id"] == "x");

  StreamChunk other = ParseChunk(Json::parse(
      R"({"choices":[{"index":1,"delta":{},"finish_reason":"length"}]})"));
  CHECK_FALSE(other.finish_reason);  // only choice 0 ends the answer's finish reason

  StreamChunk usage = ParseChunk(Json::parse(
      R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})"));
  REQUIRE(usage.usage);
  CHECK(usage.usage->prompt_tokens == 9);
  CHECK(usage.usage->completion_tokens == 2);
  CHECK_FALSE(usage.has_content);
}

TEST_CASE("wire: filter-only chunks, error chunks, finished choices, n") {
  CHECK(IsFilterOnly(Json::parse(R"({"choices":[],"created":0,"id":"","model":"","object":"",
      "prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]})")));
  CHECK_FALSE(IsFilterOnly(Json::parse(R"({"choices":[],"usage":{"prompt_tokens":1}})")));
  CHECK_FALSE(IsFilterOnly(Json::parse(R"({"choices":[{"index":0,"delta":{}}]})")));

  CHECK(ChunkError(Json::parse(R"({"error":{"message":"x"}})")) != nullptr);
  CHECK(ChunkError(Json::parse(R"({"error":null,"choices":[]})")) == nullptr);
  CHECK(ChunkError(Json::parse(R"({"choices":[]})")) == nullptr);

  std::set<int64_t> finished;
  CollectFinished(Json::parse(R"({"choices":[{"index":1,"finish_reason":"stop"},{"index":0,"finish_reason":null}]})"), finished);
  CHECK(finished == std::set<int64_t>{1});

  CHECK(ChoiceCount(Json::parse(R"({"n":3})")) == 3);
  CHECK(ChoiceCount(Json::parse(R"({"n":"3"})")) == 1);
  CHECK(ChoiceCount(Json::parse(R"({})")) == 1);
}

TEST_CASE("wire: choice 0's text, and whether the chunk is text only (what replay can compare)") {
  auto chunk = [](const char* choices) {
    return ParseChunk(Json::parse(std::string(R"({"object":"chat.completion.chunk","choices":)") + choices + "}"));
  };
  StreamChunk text = chunk(R"([{"index":0,"delta":{"content":"Hel"}}])");
  CHECK(text.text == "Hel");
  CHECK(text.text_only);
  StreamChunk role = chunk(R"([{"index":0,"delta":{"role":"assistant","content":""}}])");
  CHECK(role.text.empty());
  CHECK(role.text_only);
  StreamChunk tool = chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}])");
  CHECK(tool.text.empty());
  CHECK_FALSE(tool.text_only);
  CHECK_FALSE(chunk(R"([{"index":0,"delta":{"refusal":"no"}}])").text_only);
  StreamChunk second = chunk(R"([{"index":1,"delta":{"content":"other"}}])");
  CHECK(second.text.empty());
  CHECK_FALSE(second.text_only);
  CHECK(chunk("[]").text_only);
}

}  // namespace
}  // namespace detour::openai
