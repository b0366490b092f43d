// Anthropic response -> OpenAI response (provider-protocols.md 6.2, 6.9). Every field of
// the upstream answer is type-checked; a body this cannot read is a classified error.
#include "providers/anthropic/classify.h"
#include "providers/anthropic/wire.h"
#include "util/json_guard.h"

namespace detour::anthropic {
namespace {

const Json* Field(const Json& obj, const char* key) { return FindField(obj, key); }

std::string StrOr(const Json* v, std::string fallback = {}) {
  return v && v->is_string() ? v->get<std::string>() : std::move(fallback);
}

Error Malformed(const std::string& what) {
  return MakeError(ErrorKind::kConnection, "malformed response from upstream (" + what + ")", 200);
}

Json ToolCall(const Json& block) {
  const Json* input = Field(block, "input");
  std::string arguments = input && input->is_object() ? SerializeBody(*input) : "{}";
  return {{"id", StrOr(Field(block, "id"))}, {"type", "function"},
          {"function", {{"name", StrOr(Field(block, "name"))}, {"arguments", arguments}}}};
}

// Text blocks joined into content; tool_use blocks as tool_calls; thinking and server-tool
// blocks have no place in OpenAI's message and are left out.
Json Message(const Json& content) {
  std::string text;
  bool has_text = false;
  Json calls = Json::array();
  for (const Json& block : content) {
    std::string type = StrOr(Field(block, "type"));
    if (type == "text") {
      text += StrOr(Field(block, "text"));
      has_text = true;
    } else if (type == "tool_use") {
      calls.push_back(ToolCall(block));
    }
  }
  Json msg = {{"role", "assistant"}, {"refusal", nullptr}};
  // OpenAI sends null content beside tool calls and "" for an empty answer.
  msg["content"] = has_text || calls.empty() ? Json(text) : Json(nullptr);
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  return msg;
}

int64_t Count(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) return static_cast<int64_t>(v.get<double>());
  return -1;
}

}  // namespace

std::string FinishReason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, and values newer than this code
}

void MergeUsage(const Json& usage, TokenCounts& counts) {
  if (!usage.is_object()) return;
  auto take = [&](const char* key, int64_t& into) {
    const Json* v = Field(usage, key);
    if (v == nullptr) return;
    int64_t n = Count(*v);
    if (n >= 0) into = n;
  };
  take("input_tokens", counts.input);
  take("cache_creation_input_tokens", counts.cache_creation);
  take("cache_read_input_tokens", counts.cache_read);
  take("output_tokens", counts.output);
}

Json UsageJson(const TokenCounts& counts) {
  return {{"prompt_tokens", counts.prompt()},
          {"completion_tokens", counts.output},
          {"total_tokens", counts.prompt() + counts.output},
          {"prompt_tokens_details", {{"cached_tokens", counts.cache_read}}}};
}

Result<ChatResponse> ParseMessage(std::string_view body, const std::string& fallback_model,
                                  int64_t created) {
  Json doc = ParseJsonBounded(body);
  if (!doc.is_object()) return Fail(Malformed("not JSON"));
  if (const Json* err = Field(doc, "error"); err && err->is_object())
    return Fail(ClassifyErrorObject(*err, 200));
  const Json* content = Field(doc, "content");
  if (content == nullptr || !content->is_array()) return Fail(Malformed("no content array"));
  TokenCounts counts;
  if (const Json* usage = Field(doc, "usage")) MergeUsage(*usage, counts);
  ChatResponse out;
  out.model = StrOr(Field(doc, "model"));
  if (out.model.empty()) out.model = fallback_model;
  out.usage = counts.neutral();
  Json choice = {{"index", 0}, {"message", Message(*content)}, {"logprobs", nullptr},
                 {"finish_reason", FinishReason(StrOr(Field(doc, "stop_reason")))}};
  out.body = {{"id", StrOr(Field(doc, "id"), "chatcmpl-anthropic")},
              {"object", "chat.completion"},
              {"created", created},
              {"model", out.model},
              {"choices", Json::array({std::move(choice)})},
              {"usage", UsageJson(counts)}};
  return out;
}

}  // namespace detour::anthropic
