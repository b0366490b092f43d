// Anthropic's streaming event sequence from neutral chunks: message_start, then per
// content block content_block_start / _delta / _stop (text blocks with text_delta,
// tool_use blocks with input_json_delta), then message_delta (stop_reason, usage) and
// message_stop. The usage chunk is read, never forwarded as such.
#include "server/anthropic_api.h"
#include "server/stream_encoder.h"
#include "util/json_guard.h"

namespace detour {
namespace {

std::string Event(const std::string& name, const Json& data) {
  return "event: " + name + "\ndata: " + data.dump() + "\n\n";
}

std::string StopReasonOf(const std::string& finish) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls" || finish == "function_call") return "tool_use";
  if (finish == "content_filter") return "refusal";
  return "end_turn";
}

// The chunk's DOM: data, or raw (an OpenAI-family chunk the fast path kept as bytes)
// parsed into `scratch`.
const Json& DataOf(const StreamChunk& c, Json& scratch) {
  if (!c.data.is_null() || c.raw.empty()) return c.data;
  scratch = ParseJsonBounded(c.raw);
  return scratch;
}

class AnthropicStreamEncoder final : public StreamEncoder {
 public:
  std::string Chunk(const StreamChunk& c) override {
    Json scratch;
    const Json& data = DataOf(c, scratch);
    std::string out = Start(data);
    if (c.usage) usage_ = *c.usage;
    if (!data.is_object()) return out;
    const Json& choices = data.value("choices", Json::array());
    if (!choices.is_array() || choices.empty()) return out;
    const Json& delta = choices[0].value("delta", Json::object());
    if (delta.contains("content") && delta["content"].is_string() && !delta["content"].get<std::string>().empty())
      out += Text(delta["content"].get<std::string>());
    for (const Json& tc : delta.value("tool_calls", Json::array())) out += ToolCall(tc);
    if (c.finish_reason) {
      out += CloseBlock();
      stop_reason_ = StopReasonOf(*c.finish_reason);
    }
    return out;
  }

  std::string Done(const StreamEnd& end) override {
    if (end.usage_reported) usage_ = end.usage;
    std::string out = Start(Json()) + CloseBlock();
    if (stop_reason_.empty()) stop_reason_ = StopReasonOf(end.finish_reason);
    out += Event("message_delta", {{"type", "message_delta"},
                                   {"delta", {{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}}},
                                   {"usage", {{"input_tokens", usage_.prompt_tokens},
                                              {"output_tokens", usage_.completion_tokens}}}});
    return out + Event("message_stop", {{"type", "message_stop"}});
  }

  std::string Failed(const RouteFailure& f) override {
    return Event("error", AnthropicFailureJson(f));
  }

 private:
  // message_start once, before anything else.
  std::string Start(const Json& data) {
    if (started_) return "";
    started_ = true;
    static const Json kEmpty = Json::object();
    const Json& d = data.is_object() ? data : kEmpty;
    std::string id = d.value("id", std::string("stream"));
    Json message = {{"id", id.rfind("msg_", 0) == 0 ? id : "msg_" + id},
                    {"type", "message"}, {"role", "assistant"},
                    {"model", d.value("model", std::string(""))},
                    {"content", Json::array()}, {"stop_reason", nullptr}, {"stop_sequence", nullptr},
                    {"usage", {{"input_tokens", 0}, {"output_tokens", 0}}}};
    return Event("message_start", {{"type", "message_start"}, {"message", message}});
  }

  std::string Open(const Json& block) {
    std::string out = CloseBlock();
    open_ = true;
    return out + Event("content_block_start", {{"type", "content_block_start"}, {"index", index_}, {"content_block", block}});
  }

  std::string CloseBlock() {
    if (!open_) return "";
    open_ = false;
    open_tool_ = -1;
    return Event("content_block_stop", {{"type", "content_block_stop"}, {"index", index_++}});
  }

  std::string Text(const std::string& text) {
    std::string out;
    if (!open_ || open_tool_ >= 0) out += Open({{"type", "text"}, {"text", ""}});
    return out + Event("content_block_delta", {{"type", "content_block_delta"}, {"index", index_},
                                               {"delta", {{"type", "text_delta"}, {"text", text}}}});
  }

  // A tool call delta: a new OpenAI index opens a tool_use block; arguments stream as
  // input_json_delta into the open one.
  std::string ToolCall(const Json& tc) {
    std::string out;
    int64_t i = tc.value("index", 0);
    const Json& fn = tc.value("function", Json::object());
    if (!open_ || open_tool_ != i) {
      out += Open({{"type", "tool_use"}, {"id", tc.value("id", "")}, {"name", fn.value("name", "")},
                   {"input", Json::object()}});
      open_tool_ = i;
    }
    std::string args = fn.contains("arguments") && fn["arguments"].is_string() ? fn["arguments"].get<std::string>() : "";
    if (!args.empty())
      out += Event("content_block_delta", {{"type", "content_block_delta"}, {"index", index_},
                                           {"delta", {{"type", "input_json_delta"}, {"partial_json", args}}}});
    return out;
  }

  bool started_ = false;
  bool open_ = false;
  int64_t open_tool_ = -1;  // the OpenAI tool-call index of the open tool_use block
  int index_ = 0;           // the current content block's index
  std::string stop_reason_;
  Usage usage_;
};

}  // namespace

std::unique_ptr<StreamEncoder> MakeAnthropicStreamEncoder() {
  return std::make_unique<AnthropicStreamEncoder>();
}

}  // namespace detour
