// The Anthropic stream state machine (provider-protocols.md 4.4, 6.3), fed byte by byte
// through the real SSE parser: which chunks come out, with which StreamChunk fields, and
// how errors, malformed events and cancellation end it.
#include <doctest/doctest.h>

#include "net/sse.h"
#include "providers/anthropic/stream_translator.h"

namespace detour::anthropic {
namespace {

// One SSE event; `data` may be written over several source lines (JSON whitespace), but
// goes on the wire as one data line.
std::string Event(const std::string& name, std::string data) {
  std::erase(data, '\n');
  return "event: " + name + "\ndata: " + data + "\n\n";
}

const std::string kStart = Event("message_start", R"({"type":"message_start","message":{"id":"msg_01","type":"message",
  "role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,
  "usage":{"input_tokens":12,"cache_creation_input_tokens":5,"cache_read_input_tokens":3,"output_tokens":1}}})");
const std::string kPing = Event("ping", R"({"type": "ping"})");
const std::string kStop = Event("message_stop", R"({"type":"message_stop"})");

std::string BlockStart(int index, const std::string& block) {
  return Event("content_block_start", R"({"type":"content_block_start","index":)" + std::to_string(index) +
                                          R"(,"content_block":)" + block + "}");
}
std::string Delta(int index, const std::string& delta) {
  return Event("content_block_delta", R"({"type":"content_block_delta","index":)" + std::to_string(index) +
                                          R"(,"delta":)" + delta + "}");
}
std::string BlockStop(int index) {
  return Event("content_block_stop", R"({"type":"content_block_stop","index":)" + std::to_string(index) + "}");
}
std::string MessageDelta(const std::string& stop, int output) {
  return Event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":")" + stop +
                                    R"(","stop_sequence":null},"usage":{"output_tokens":)" + std::to_string(output) + "}}");
}
std::string TextDelta(const std::string& text) { return R"({"type":"text_delta","text":")" + text + R"("})"; }
std::string ArgsDelta(const std::string& json) { return R"({"type":"input_json_delta","partial_json":")" + json + R"("})"; }

struct Run {
  std::vector<StreamChunk> chunks;
  bool keep_going = true;
  ChunkSink sink = [this](StreamChunk& c) {
    chunks.push_back(c);
    return keep_going;
  };
  StreamTranslator t{sink, 1700000000, "claude-deployment"};
  bool stopped = false;

  // Feeds `text` one byte at a time, as the slowest network would.
  Run& Feed(const std::string& text) {
    net::SseParser parser;
    auto on = [this](const net::SseEvent& e) { return t.OnEvent(e); };
    for (char c : text) {
      if (!parser.Feed(&c, 1, on)) {
        stopped = true;
        return *this;
      }
    }
    if (!parser.Finish(on)) stopped = true;
    return *this;
  }

  std::string Content() const {
    std::string out;
    for (const auto& c : chunks) out += c.text;
    return out;
  }
};

TEST_CASE("anthropic stream: text, finish and usage chunks, with the fields the core reads") {
  Run r;
  r.Feed(kStart + BlockStart(0, R"({"type":"text","text":""})") + kPing + Delta(0, TextDelta("Hel")) +
         Delta(0, TextDelta("lo!")) + BlockStop(0) + MessageDelta("end_turn", 6) + kStop);
  CHECK_FALSE(r.stopped);
  REQUIRE(r.chunks.size() == 5);
  const StreamChunk& role = r.chunks[0];
  CHECK(role.data["object"] == "chat.completion.chunk");
  CHECK(role.data["id"] == "msg_01");
  CHECK(role.data["model"] == "claude-sonnet-4-5-20250929");
  CHECK(role.data["created"] == 1700000000);
  CHECK(role.data["choices"][0]["delta"] == Json::parse(R"({"role":"assistant","content":""})"));
  CHECK_FALSE(role.has_content);
  CHECK(r.chunks[1].has_content);
  CHECK(r.chunks[1].text == "Hel");
  CHECK(r.chunks[1].text_only);
  CHECK(r.chunks[1].data["choices"][0]["delta"]["content"] == "Hel");
  CHECK(r.chunks[1].data["choices"][0]["finish_reason"].is_null());
  CHECK(r.Content() == "Hello!");
  const StreamChunk& finish = r.chunks[3];
  CHECK(finish.finish_reason == "stop");
  CHECK(finish.data["choices"][0]["finish_reason"] == "stop");
  CHECK(finish.data["choices"][0]["delta"] == Json::object());
  CHECK_FALSE(finish.has_content);
  const StreamChunk& usage = r.chunks[4];
  CHECK(usage.data["choices"] == Json::array());
  REQUIRE(usage.usage);
  CHECK(usage.usage->prompt_tokens == 20);
  CHECK(usage.usage->completion_tokens == 6);
  CHECK(usage.data["usage"]["prompt_tokens_details"]["cached_tokens"] == 3);
  CHECK(r.t.saw_content());
  CHECK(r.t.finished());
  CHECK(r.t.done());
  StreamEnd end = r.t.End("fallback");
  CHECK(end.usage_reported);
  CHECK(end.usage.prompt_tokens == 20);
  CHECK(end.usage.completion_tokens == 6);
  CHECK(end.finish_reason == "stop");
  CHECK(end.model == "claude-sonnet-4-5-20250929");
}

TEST_CASE("anthropic stream: tool calls are indexed by call, not by block; thinking is dropped") {
  Run r;
  r.Feed(kStart + BlockStart(0, R"({"type":"thinking","thinking":"","signature":""})") +
         Delta(0, R"({"type":"thinking_delta","thinking":"Let me think"})") +
         Delta(0, R"({"type":"signature_delta","signature":"EqQB"})") + BlockStop(0) +
         BlockStart(1, R"({"type":"text","text":""})") + Delta(1, TextDelta("Checking.")) + BlockStop(1) +
         BlockStart(2, R"({"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}})") + Delta(2, ArgsDelta("")) +
         Delta(2, ArgsDelta(R"({\"city\": \"Par)")) + Delta(2, ArgsDelta(R"(is\"})")) + BlockStop(2) +
         BlockStart(3, R"({"type":"tool_use","id":"toolu_B","name":"now","input":{}})") + BlockStop(3) +
         MessageDelta("tool_use", 89) + kStop);
  CHECK_FALSE(r.stopped);
  std::map<int64_t, std::string> ids, names, args;
  for (const auto& c : r.chunks) {
    for (const Json& call : c.data["choices"].empty() ? Json::array() : c.data["choices"][0]["delta"].value("tool_calls", Json::array())) {
      CHECK(c.has_content);
      CHECK_FALSE(c.text_only);
      CHECK(c.text.empty());
      int64_t i = call["index"];
      if (call.contains("id")) ids[i] = call["id"];
      if (call["function"].contains("name")) names[i] = call["function"]["name"];
      args[i] += call["function"]["arguments"].get<std::string>();
    }
  }
  CHECK(r.Content() == "Checking.");
  CHECK(ids == std::map<int64_t, std::string>{{0, "toolu_A"}, {1, "toolu_B"}});
  CHECK(names == std::map<int64_t, std::string>{{0, "get_weather"}, {1, "now"}});
  CHECK(Json::parse(args[0]) == Json{{"city", "Paris"}});
  CHECK(args[1] == "{}");  // a tool without input streams none; OpenAI clients want JSON text
  CHECK(r.t.End("x").finish_reason == "tool_calls");
}

TEST_CASE("anthropic stream: a tool_use start that carries its input whole") {
  Run r;
  r.Feed(kStart + BlockStart(0, R"({"type":"tool_use","id":"t","name":"f","input":{"a":1}})") + BlockStop(0) +
         MessageDelta("tool_use", 3));
  REQUIRE(r.chunks.size() == 4);  // role, the call, finish, usage: no "{}" appended
  CHECK(r.chunks[1].data["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] == R"({"a":1})");
}

TEST_CASE("anthropic stream: \\r\\n line ends, unknown events, and events after message_stop") {
  std::string crlf = kStart + BlockStart(0, R"({"type":"text","text":"Hi"})") + Event("brand_new_event", R"({"type":"brand_new_event"})") +
                     MessageDelta("max_tokens", 2) + kStop + Delta(0, TextDelta("late"));
  for (size_t at = crlf.find('\n'); at != std::string::npos; at = crlf.find('\n', at + 2)) crlf.replace(at, 1, "\r\n");
  Run r;
  r.Feed(crlf);
  CHECK_FALSE(r.stopped);
  CHECK(r.Content() == "Hi");  // the block's initial text counts; nothing after message_stop
  CHECK(r.t.End("x").finish_reason == "length");
}

TEST_CASE("anthropic stream: finished at message_delta; usage from message_delta's newer fields wins") {
  Run r;
  r.Feed(kStart + BlockStart(0, R"({"type":"text","text":""})") + Delta(0, TextDelta("x")) +
         Event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},
           "usage":{"input_tokens":40,"cache_read_input_tokens":0,"output_tokens":9}})"));
  CHECK(r.t.finished());
  CHECK_FALSE(r.t.done());
  StreamEnd end = r.t.End("x");
  CHECK(end.usage.prompt_tokens == 45);  // 40 + 5 cache writes (from message_start) + 0 reads
  CHECK(end.usage.completion_tokens == 9);
}

TEST_CASE("anthropic stream: no message_start still streams, with the deployment's model") {
  Run r;
  r.Feed(Delta(0, TextDelta("x")) + MessageDelta("end_turn", 1));
  REQUIRE(r.chunks.size() == 3);
  CHECK(r.chunks[0].data["model"] == "claude-deployment");
  CHECK(r.t.End("fallback").model == "fallback");
}

TEST_CASE("anthropic stream: an error event is classified and stops reading") {
  Run r;
  r.Feed(kStart + BlockStart(0, R"({"type":"text","text":""})") + Delta(0, TextDelta("Hel")) +
         Event("error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})") +
         Delta(0, TextDelta("lo")));
  CHECK(r.stopped);
  REQUIRE(r.t.error());
  CHECK(r.t.error()->kind == ErrorKind::kServerError);
  CHECK(r.t.error()->message == "Overloaded");
  CHECK(r.Content() == "Hel");
  CHECK_FALSE(r.t.finished());

  Run limited;
  limited.Feed(kStart + Event("error", R"({"type":"error","error":{"type":"rate_limit_error","message":"slow"}})"));
  REQUIRE(limited.t.error());
  CHECK(limited.t.error()->kind == ErrorKind::kRateLimit);
  Run bare;
  bare.Feed(Event("error", R"({"type":"error","error":"boom"})"));
  REQUIRE(bare.t.error());
  CHECK(bare.t.error()->kind == ErrorKind::kServerError);
}

TEST_CASE("anthropic stream: malformed events are connection errors") {
  for (const std::string& bad : {
           Event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta)"),
           Event("message_start", "[1,2]"),
           Event("message_start", R"({"type":"message_start","message":"x"})"),
           Event("content_block_start", R"({"type":"content_block_start","index":"0","content_block":{"type":"text"}})"),
           Event("content_block_start", R"({"type":"content_block_start","index":0})"),
           Event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":[]})"),
           Event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":5}})"),
           Event("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta"}})"),
           Event("content_block_stop", R"({"type":"content_block_stop"})"),
           Event("message_delta", R"({"type":"message_delta","delta":"end_turn"})"),
       }) {
    CAPTURE(bad);
    Run r;
    CHECK_NOTHROW(r.Feed(kStart + bad));
    CHECK(r.stopped);
    REQUIRE(r.t.error());
    CHECK(r.t.error()->kind == ErrorKind::kConnection);
    CHECK(r.t.error()->message.find("malformed chunk") != std::string::npos);
  }
}

TEST_CASE("anthropic stream: the sink's refusal cancels") {
  Run r;
  r.keep_going = false;
  r.Feed(kStart + Delta(0, TextDelta("x")));
  CHECK(r.stopped);
  CHECK(r.t.canceled());
  CHECK(r.chunks.size() == 1);
}

}  // namespace
}  // namespace detour::anthropic
