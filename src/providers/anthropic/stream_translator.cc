#include "providers/anthropic/stream_translator.h"

#include <string_view>

#include "providers/anthropic/classify.h"
#include "util/json_guard.h"

namespace detour::anthropic {
namespace {

const Json* Field(const Json& obj, const char* key) { return FindField(obj, key); }

std::string StrOr(const Json* v) { return v && v->is_string() ? v->get<std::string>() : std::string(); }

std::optional<int64_t> Index(const Json& doc) {
  const Json* i = Field(doc, "index");
  if (i == nullptr || !i->is_number_integer()) return std::nullopt;
  return i->get<int64_t>();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool StreamTranslator::OnEvent(const net::SseEvent& event) {
  if (done_) return true;  // nothing after message_stop matters
  std::string_view data = Trim(event.data);
  if (data.empty()) return true;
  Json doc = ParseJsonBounded(data);
  if (!doc.is_object()) return Malformed("not JSON");
  // The payload's type names the event; the `event:` line is the fallback.
  std::string type = StrOr(Field(doc, "type"));
  return Dispatch(type.empty() ? event.event : type, doc);
}

bool StreamTranslator::Dispatch(const std::string& type, const Json& doc) {
  if (type == "message_start") return OnMessageStart(doc);
  if (type == "content_block_start") return OnBlockStart(doc);
  if (type == "content_block_delta") return OnBlockDelta(doc);
  if (type == "content_block_stop") return OnBlockStop(doc);
  if (type == "message_delta") return OnMessageDelta(doc);
  if (type == "message_stop") {
    done_ = true;
    return true;
  }
  if (type == "error") {
    const Json* err = Field(doc, "error");
    error_ = ClassifyErrorObject(err && err->is_object() ? *err : Json::object(), 200);
    return false;
  }
  return true;  // ping, and event types newer than this code (Anthropic's versioning policy)
}

bool StreamTranslator::OnMessageStart(const Json& doc) {
  const Json* message = Field(doc, "message");
  if (message == nullptr || !message->is_object()) return Malformed("message_start without a message");
  id_ = StrOr(Field(*message, "id"));
  model_ = StrOr(Field(*message, "model"));
  if (!model_.empty()) chunk_model_ = model_;
  if (const Json* usage = Field(*message, "usage"); usage && usage->is_object()) {
    MergeUsage(*usage, counts_);
    usage_seen_ = true;
  }
  StreamChunk chunk;
  chunk.data = Chunk({{"role", "assistant"}, {"content", ""}});
  return Emit(std::move(chunk));
}

bool StreamTranslator::OnBlockStart(const Json& doc) {
  auto index = Index(doc);
  const Json* block = Field(doc, "content_block");
  if (!index || block == nullptr || !block->is_object()) return Malformed("content_block_start");
  std::string type = StrOr(Field(*block, "type"));
  Block& state = blocks_[*index];
  if (type == "text") return EmitText(StrOr(Field(*block, "text")));
  if (type != "tool_use") return true;  // thinking, redacted_thinking, server tools
  state.tool_index = tool_count_++;
  // The input arrives as input_json_delta pieces; a start that already carries a
  // non-empty input (not documented, but cheap to honour) is the whole of it.
  const Json* input = Field(*block, "input");
  std::string arguments;
  if (input && input->is_object() && !input->empty()) {
    arguments = SerializeBody(*input);
    state.got_arguments = true;
  }
  return EmitToolCall({{"index", state.tool_index},
                       {"id", StrOr(Field(*block, "id"))},
                       {"type", "function"},
                       {"function", {{"name", StrOr(Field(*block, "name"))}, {"arguments", arguments}}}});
}

bool StreamTranslator::OnBlockDelta(const Json& doc) {
  auto index = Index(doc);
  const Json* delta = Field(doc, "delta");
  if (!index || delta == nullptr || !delta->is_object()) return Malformed("content_block_delta");
  std::string type = StrOr(Field(*delta, "type"));
  if (type == "text_delta") {
    const Json* text = Field(*delta, "text");
    if (text == nullptr || !text->is_string()) return Malformed("text_delta without text");
    return EmitText(text->get<std::string>());
  }
  if (type != "input_json_delta") return true;  // thinking, signature, citations
  const Json* piece = Field(*delta, "partial_json");
  if (piece == nullptr || !piece->is_string()) return Malformed("input_json_delta without partial_json");
  auto it = blocks_.find(*index);
  if (it == blocks_.end() || it->second.tool_index < 0 || piece->get_ref<const std::string&>().empty())
    return true;
  it->second.got_arguments = true;
  return EmitToolCall({{"index", it->second.tool_index}, {"function", {{"arguments", *piece}}}});
}

bool StreamTranslator::OnBlockStop(const Json& doc) {
  auto index = Index(doc);
  if (!index) return Malformed("content_block_stop");
  auto it = blocks_.find(*index);
  if (it == blocks_.end() || it->second.tool_index < 0 || it->second.got_arguments) return true;
  // A tool without parameters streams no input at all; OpenAI clients expect JSON text.
  it->second.got_arguments = true;
  return EmitToolCall({{"index", it->second.tool_index}, {"function", {{"arguments", "{}"}}}});
}

bool StreamTranslator::OnMessageDelta(const Json& doc) {
  const Json* delta = Field(doc, "delta");
  if (delta != nullptr && !delta->is_object()) return Malformed("message_delta");
  if (const Json* usage = Field(doc, "usage"); usage && usage->is_object()) {
    MergeUsage(*usage, counts_);  // cumulative counts: the latest wins
    usage_seen_ = true;
  }
  const Json* stop = delta ? Field(*delta, "stop_reason") : nullptr;
  if (finished_ || stop == nullptr || !stop->is_string()) return true;
  finished_ = true;
  finish_reason_ = FinishReason(stop->get_ref<const std::string&>());
  StreamChunk finish;
  finish.data = Chunk(Json::object(), finish_reason_);
  finish.finish_reason = finish_reason_;
  if (!Emit(std::move(finish))) return false;
  // The usage chunk the OpenAI family sends last; the core decides whether the client sees it.
  StreamChunk usage;
  usage.data = {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_},
                {"model", chunk_model_}, {"choices", Json::array()}, {"usage", UsageJson(counts_)}};
  usage.usage = counts_.neutral();
  return Emit(std::move(usage));
}

Json StreamTranslator::Chunk(Json delta, const std::optional<std::string>& finish) const {
  Json choice = {{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr},
                 {"finish_reason", finish ? Json(*finish) : Json(nullptr)}};
  return {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_},
          {"model", chunk_model_}, {"choices", Json::array({std::move(choice)})}};
}

bool StreamTranslator::EmitText(const std::string& text) {
  if (text.empty()) return true;
  StreamChunk chunk;
  chunk.data = Chunk({{"content", text}});
  chunk.has_content = true;
  chunk.text = text;
  return Emit(std::move(chunk));
}

bool StreamTranslator::EmitToolCall(Json call) {
  StreamChunk chunk;
  chunk.data = Chunk({{"tool_calls", Json::array({std::move(call)})}});
  chunk.has_content = true;
  chunk.text_only = false;  // replay cannot compare a tool call as text
  return Emit(std::move(chunk));
}

bool StreamTranslator::Emit(StreamChunk chunk) {
  saw_content_ = saw_content_ || chunk.has_content;
  if (!sink_(chunk)) {
    canceled_ = true;
    return false;
  }
  return true;
}

bool StreamTranslator::Malformed(const std::string& what) {
  // Status 200: the headers had arrived; the body broke.
  error_ = MakeError(ErrorKind::kConnection, "malformed chunk from upstream (" + what + ")", 200);
  return false;
}

StreamEnd StreamTranslator::End(const std::string& fallback_model) const {
  StreamEnd end;
  end.usage = counts_.neutral();
  end.usage_reported = usage_seen_;
  end.finish_reason = finish_reason_;
  end.model = model_.empty() ? fallback_model : model_;
  return end;
}

}  // namespace detour::anthropic
