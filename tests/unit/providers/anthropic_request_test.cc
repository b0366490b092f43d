// OpenAI request -> Anthropic Messages request (provider-protocols.md 6.1), as a table of
// small cases, plus bodies of the wrong shape that must translate without throwing.
#include <doctest/doctest.h>

#include "providers/anthropic/wire.h"

namespace detour::anthropic {
namespace {

Json Build(const char* openai, bool stream = false, BodyOptions options = {}) {
  return BuildRequest(Json::parse(openai), "claude-sonnet-4-5", stream, options);
}

TEST_CASE("anthropic request: model, max_tokens default and stream flag") {
  Json b = Build(R"({"model":"group","messages":[{"role":"user","content":"hi"}]})");
  CHECK(b["model"] == "claude-sonnet-4-5");
  CHECK(b["max_tokens"] == kDefaultMaxTokens);
  CHECK_FALSE(b.contains("stream"));
  CHECK(b["messages"] == Json::parse(R"([{"role":"user","content":"hi"}])"));
  CHECK(Build(R"({"messages":[],"max_tokens":100})")["max_tokens"] == 100);
  CHECK(Build(R"({"messages":[],"max_tokens":100,"max_completion_tokens":50})")["max_tokens"] == 50);
  CHECK(Build(R"({"messages":[],"max_tokens":"many"})")["max_tokens"] == kDefaultMaxTokens);
  CHECK(Build(R"({"messages":[]})", true)["stream"] == true);
}

TEST_CASE("anthropic request: system and developer messages join into `system`") {
  Json b = Build(R"({"messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"hi"},
    {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},{"role":"system","content":""}]})");
  CHECK(b["system"] == "Be terse.\n\nAnswer in French.");
  CHECK(b["messages"].size() == 1);
  CHECK_FALSE(Build(R"({"messages":[{"role":"user","content":"hi"}]})").contains("system"));
}

TEST_CASE("anthropic request: sampling parameters") {
  CHECK(Build(R"({"messages":[],"temperature":1.7})")["temperature"] == 1.0);
  CHECK(Build(R"({"messages":[],"temperature":-0.5})")["temperature"] == 0.0);
  CHECK(Build(R"({"messages":[],"temperature":0.3})")["temperature"] == doctest::Approx(0.3));
  CHECK_FALSE(Build(R"({"messages":[],"temperature":"hot"})").contains("temperature"));
  CHECK(Build(R"({"messages":[],"top_p":0.9})")["top_p"] == doctest::Approx(0.9));
  CHECK(Build(R"({"messages":[],"stop":"END"})")["stop_sequences"] == Json::parse(R"(["END"])"));
  CHECK(Build(R"({"messages":[],"stop":["a"," \n","b",3]})")["stop_sequences"] == Json::parse(R"(["a","b"])"));
  CHECK_FALSE(Build(R"({"messages":[],"stop":"  "})").contains("stop_sequences"));
}

TEST_CASE("anthropic request: OpenAI-only fields are dropped") {
  Json b = Build(R"({"messages":[],"n":2,"seed":1,"logprobs":true,"top_logprobs":2,"presence_penalty":1,
    "frequency_penalty":1,"logit_bias":{},"response_format":{"type":"json_object"},"stream_options":{"include_usage":true},
    "user":"user-42","reasoning_effort":"low","store":true})", true);
  for (const char* key : {"n", "seed", "logprobs", "top_logprobs", "presence_penalty", "frequency_penalty", "logit_bias",
                          "response_format", "stream_options", "user", "reasoning_effort", "store"})
    CHECK_MESSAGE(!b.contains(key), key);
  CHECK(b["metadata"] == Json{{"user_id", "user-42"}});
  CHECK_FALSE(Build(R"({"messages":[],"user":"ada@example.com"})").contains("metadata"));
}

TEST_CASE("anthropic request: tools and tool_choice") {
  Json b = Build(R"({"messages":[],"tools":[
    {"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
    {"type":"function","function":{"name":"now"}},
    {"type":"code_interpreter"}],"tool_choice":"auto"})");
  REQUIRE(b["tools"].size() == 2);
  CHECK(b["tools"][0] == Json::parse(R"({"name":"get_weather","description":"Weather",
    "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}})"));
  CHECK(b["tools"][1] == Json::parse(R"({"name":"now","input_schema":{"type":"object","properties":{}}})"));
  CHECK(b["tool_choice"] == Json{{"type", "auto"}});
  CHECK(Build(R"({"messages":[],"tool_choice":"none"})")["tool_choice"] == Json{{"type", "none"}});
  CHECK(Build(R"({"messages":[],"tool_choice":"required"})")["tool_choice"] == Json{{"type", "any"}});
  CHECK(Build(R"({"messages":[],"tool_choice":{"type":"function","function":{"name":"now"}}})")["tool_choice"] ==
        Json::parse(R"({"type":"tool","name":"now"})"));
  CHECK(Build(R"({"messages":[],"parallel_tool_calls":false})")["tool_choice"] ==
        Json::parse(R"({"type":"auto","disable_parallel_tool_use":true})"));
  CHECK(Build(R"({"messages":[],"tool_choice":"required","parallel_tool_calls":false})")["tool_choice"] ==
        Json::parse(R"({"type":"any","disable_parallel_tool_use":true})"));
  CHECK(Build(R"({"messages":[],"tool_choice":"none","parallel_tool_calls":false})")["tool_choice"] ==
        Json{{"type", "none"}});
  CHECK_FALSE(Build(R"({"messages":[],"tool_choice":7,"tools":"x"})").contains("tool_choice"));
}

TEST_CASE("anthropic request: tool calls become tool_use, results merge into one user turn") {
  Json b = Build(R"({"messages":[
    {"role":"user","content":"Weather in Paris and Tokyo?"},
    {"role":"assistant","content":"Checking.","tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{not json"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"22C"},
    {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"30C"}]},
    {"role":"user","content":"Thanks, and?"}]})");
  const Json& m = b["messages"];
  REQUIRE(m.size() == 3);
  CHECK(m[1] == Json::parse(R"({"role":"assistant","content":[{"type":"text","text":"Checking."},
    {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
    {"type":"tool_use","id":"call_2","name":"get_weather","input":{}}]})"));
  CHECK(m[2] == Json::parse(R"({"role":"user","content":[
    {"type":"tool_result","tool_use_id":"call_1","content":"22C"},
    {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"30C"}]},
    {"type":"text","text":"Thanks, and?"}]})"));
}

TEST_CASE("anthropic request: tool results lead their user turn; same-role turns merge") {
  Json b = Build(R"({"messages":[
    {"role":"user","content":"one"},{"role":"user","content":"two"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}}]},
    {"role":"user","content":"note"},{"role":"tool","tool_call_id":"c","content":""},
    {"role":"assistant","content":""},{"role":"user","content":"three"}]})");
  const Json& m = b["messages"];
  REQUIRE(m.size() == 3);
  CHECK(m[0]["content"] == Json::parse(R"([{"type":"text","text":"one"},{"type":"text","text":"two"}])"));
  CHECK(m[2]["content"] == Json::parse(R"([{"type":"tool_result","tool_use_id":"c"},{"type":"text","text":"note"},
    {"type":"text","text":"three"}])"));
}

TEST_CASE("anthropic request: images") {
  Json b = Build(R"({"messages":[{"role":"user","content":[
    {"type":"text","text":"What is this?"},
    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
    {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"high"}},
    {"type":"image_url","image_url":{"url":"data:image/png,notbase64"}},
    {"type":"image_url","image_url":"https://example.com/dog.webp"},
    {"type":"input_audio","input_audio":{"data":"x","format":"wav"}}]}]})");
  CHECK(b["messages"][0]["content"] == Json::parse(R"([{"type":"text","text":"What is this?"},
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
    {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
    {"type":"image","source":{"type":"url","url":"https://example.com/dog.webp"}}])"));
}

TEST_CASE("anthropic request: cache_control on a text part is kept") {
  Json b = Build(R"({"messages":[{"role":"user","content":[{"type":"text","text":"long","cache_control":{"type":"ephemeral"}}]}]})");
  CHECK(b["messages"][0]["content"][0]["cache_control"] == Json{{"type", "ephemeral"}});
}

TEST_CASE("anthropic request: Vertex options put the version in the body and leave the model out") {
  BodyOptions vertex{false, "vertex-2023-10-16"};
  Json b = Build(R"({"model":"g","messages":[{"role":"user","content":"hi"}]})", true, vertex);
  CHECK_FALSE(b.contains("model"));
  CHECK(b["anthropic_version"] == "vertex-2023-10-16");
  CHECK(b["stream"] == true);
}

TEST_CASE("anthropic request: bodies of the wrong shape translate without throwing") {
  for (const char* body : {R"(null)", R"([])", R"("text")", R"({"messages":"hi"})", R"({"messages":[1,null,"x",[]]})",
                           R"({"messages":[{"role":5,"content":"x"},{"role":"user","content":7}]})",
                           R"({"messages":[{"role":"assistant","tool_calls":"x"},{"role":"assistant","tool_calls":[1,{"function":3}]}]})",
                           R"({"messages":[{"role":"user","content":[1,{"type":3},{"type":"image_url","image_url":5},{"type":"image_url"}]}]})",
                           R"({"messages":[{"role":"tool","tool_call_id":4,"content":{"a":1}}],"tools":[1,{"function":"x"}],
                               "tool_choice":{"function":7},"stop":{"a":1},"max_tokens":-1.5,"temperature":null})"}) {
    CAPTURE(body);
    Json b;
    CHECK_NOTHROW(b = Build(body));
    CHECK(b["messages"].is_array());
    CHECK_NOTHROW(SerializeBody(b));
  }
}

}  // namespace
}  // namespace detour::anthropic
