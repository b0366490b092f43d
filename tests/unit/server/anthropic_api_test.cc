// /v1/messages translation: Anthropic requests into the neutral form, neutral answers and
// streams back into Anthropic's shape.
#include "server/anthropic_api.h"

#include <doctest/doctest.h>

#include "server/stream_encoder.h"

namespace detour {
namespace {

Json Parse(const std::string& text) {
  auto r = ParseMessagesRequest(text);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return RequestJson(*r);
}

TEST_CASE("messages request: system, text, images, tool use and results become the OpenAI form") {
  Json b = Parse(R"({"model":"g","max_tokens":100,"temperature":0.2,"stop_sequences":["END"],
    "system":[{"type":"text","text":"Be "},{"type":"text","text":"brief."}],
    "metadata":{"user_id":"u-1"},
    "tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object"}}],
    "tool_choice":{"type":"tool","name":"get_weather"},
    "messages":[
      {"role":"user","content":[{"type":"text","text":"Look:"},
        {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
      {"role":"assistant","content":[{"type":"thinking","thinking":"hm"},{"type":"text","text":"Checking."},
        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C"}]},
        {"type":"text","text":"And now?"}]}]})");
  CHECK(b["model"] == "g");
  CHECK(b["max_tokens"] == 100);
  CHECK(b["stop"] == Json::array({"END"}));
  CHECK(b["user"] == "u-1");
  const Json& m = b["messages"];
  REQUIRE(m.size() == 5);
  CHECK(m[0] == Json{{"role", "system"}, {"content", "Be brief."}});
  CHECK(m[1]["content"][1]["image_url"]["url"] == "data:image/png;base64,AAAA");
  CHECK(m[2]["content"] == "Checking.");  // thinking dropped
  CHECK(m[2]["tool_calls"][0]["id"] == "toolu_1");
  CHECK(Json::parse(m[2]["tool_calls"][0]["function"]["arguments"].get<std::string>()) == Json{{"location", "Paris"}});
  CHECK(m[3] == Json{{"role", "tool"}, {"tool_call_id", "toolu_1"}, {"content", "18C"}});
  CHECK(m[4] == Json{{"role", "user"}, {"content", "And now?"}});
  CHECK(b["tools"][0]["function"]["parameters"] == Json{{"type", "object"}});
  CHECK(b["tool_choice"]["function"]["name"] == "get_weather");
}

TEST_CASE("messages request: errors name the field; streams ask for usage") {
  CHECK(ParseMessagesRequest("{").error().param == "");
  CHECK(ParseMessagesRequest(R"({"messages":[]})").error().param == "model");
  CHECK(ParseMessagesRequest(R"({"model":"g","messages":[]})").error().param == "messages");
  CHECK(ParseMessagesRequest(R"({"model":"g","messages":[{"role":"user","content":[{"type":"video"}]}]})")
            .error().param == "messages[0].content[0].type");
  CHECK(ParseMessagesRequest(R"({"model":"g","max_tokens":"x","messages":[{"role":"user","content":"a"}]})")
            .error().param == "max_tokens");
  auto r = ParseMessagesRequest(R"({"model":"g","stream":true,"fallbacks":["b"],"messages":[{"role":"user","content":"a"}]})");
  REQUIRE(r.ok());
  CHECK(r->stream);
  CHECK(r->client_wants_usage);
  CHECK(r->overrides.fallbacks == std::vector<std::string>{"b"});
  CHECK_FALSE(RequestJson(*r).contains("fallbacks"));
}

TEST_CASE("messages response: text and tool calls as blocks, stop reason and usage") {
  Json m = MessageFromCompletion(Json::parse(R"({"id":"chatcmpl-9","model":"gpt-4o","choices":[{"index":0,
    "message":{"role":"assistant","content":"Let me check.","tool_calls":[{"id":"call_1","type":"function",
    "function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":12,"completion_tokens":5}})"));
  CHECK(m["id"] == "msg_chatcmpl-9");
  CHECK(m["model"] == "gpt-4o");
  CHECK(m["content"][0] == Json{{"type", "text"}, {"text", "Let me check."}});
  CHECK(m["content"][1] == Json{{"type", "tool_use"}, {"id", "call_1"}, {"name", "get_weather"}, {"input", {{"location", "Paris"}}}});
  CHECK(m["stop_reason"] == "tool_use");
  CHECK(m["usage"] == Json{{"input_tokens", 12}, {"output_tokens", 5}});
}

StreamChunk Chunk(const std::string& json) {
  StreamChunk c;
  c.data = Json::parse(json);
  const Json& ch = c.data["choices"];
  if (!ch.empty() && ch[0].contains("finish_reason") && ch[0]["finish_reason"].is_string())
    c.finish_reason = ch[0]["finish_reason"];
  if (c.data.contains("usage")) c.usage = Usage{c.data["usage"]["prompt_tokens"], c.data["usage"]["completion_tokens"]};
  return c;
}

// The event names of an SSE text, in order.
std::vector<std::string> Names(const std::string& sse) {
  std::vector<std::string> out;
  for (size_t at = sse.find("event: "); at != std::string::npos; at = sse.find("event: ", at + 1))
    out.push_back(sse.substr(at + 7, sse.find('\n', at) - at - 7));
  return out;
}

TEST_CASE("messages stream: text then a tool call become blocks; usage lands in message_delta") {
  auto enc = MakeAnthropicStreamEncoder();
  std::string out;
  out += enc->Chunk(Chunk(R"({"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"));
  out += enc->Chunk(Chunk(R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})"));
  out += enc->Chunk(Chunk(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{\"a\""}}]}}]})"));
  out += enc->Chunk(Chunk(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]})"));
  out += enc->Chunk(Chunk(R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"));
  out += enc->Chunk(Chunk(R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}})"));
  StreamEnd end;
  end.finish_reason = "tool_calls";
  out += enc->Done(end);
  CHECK(Names(out) == std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                               "content_block_stop", "content_block_start", "content_block_delta",
                                               "content_block_delta", "content_block_stop", "message_delta",
                                               "message_stop"});
  CHECK(out.find(R"("content_block":{"id":"call_1","input":{},"name":"f","type":"tool_use"},"index":1)") != std::string::npos);
  CHECK(out.find(R"("partial_json":"{\"a\"")") != std::string::npos);
  CHECK(out.find(R"("stop_reason":"tool_use")") != std::string::npos);
  CHECK(out.find(R"("usage":{"input_tokens":9,"output_tokens":4})") != std::string::npos);
  CHECK(out.find(R"("model":"gpt-4o")") != std::string::npos);
}

TEST_CASE("messages stream: a failure after commit is an error event with no message_stop") {
  auto enc = MakeAnthropicStreamEncoder();
  std::string out = enc->Chunk(Chunk(R"({"choices":[{"index":0,"delta":{"content":"par"}}]})"));
  RouteFailure f;
  f.status = 502;
  f.committed = true;
  f.error = MakeError(ErrorKind::kConnection, "stream cut");
  out += enc->Failed(f);
  CHECK(Names(out).back() == "error");
  CHECK(out.find("message_stop") == std::string::npos);
  CHECK(out.find(R"("type":"api_error")") != std::string::npos);
}

}  // namespace
}  // namespace detour
