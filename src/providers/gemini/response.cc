// Gemini GenerateContentResponse -> OpenAI chat.completion (provider-protocols.md 5.3,
// 6.5, 6.9). Upstream JSON is untrusted: every field read is type-checked.
#include <array>

#include "providers/gemini/classify.h"
#include "providers/gemini/tool_ids.h"
#include "providers/gemini/wire.h"
#include "util/json_guard.h"

namespace detour::gemini {
namespace {

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string Str(const Json* v) { return v && v->is_string() ? v->get<std::string>() : std::string(); }

int64_t Int(const Json& obj, const char* key) {
  const Json* v = Field(obj, key);
  if (!v || !v->is_number()) return 0;
  return v->is_number_float() ? static_cast<int64_t>(v->get<double>()) : v->get<int64_t>();
}

bool IsFilterReason(std::string_view reason) {
  static constexpr std::array<std::string_view, 12> kFiltered = {
      "SAFETY", "RECITATION", "LANGUAGE", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
      "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "NO_IMAGE", "IMAGE_RECITATION", "IMAGE_OTHER"};
  for (std::string_view r : kFiltered)
    if (reason == r) return true;
  return false;
}

Json ToolCall(const Json& call, const Json& part, const CandidateView& v, int64_t number,
              std::string_view response_id) {
  std::string name = Str(Field(call, "name"));
  const Json* args = Field(call, "args");
  std::string arguments = args && args->is_object()
                              ? args->dump(-1, ' ', false, Json::error_handler_t::replace)
                              : std::string("{}");
  std::string id = MakeToolCallId(response_id, v.index, number, name, arguments,
                                  Str(Field(part, "thoughtSignature")));
  return {{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", arguments}}}};
}

Json Choice(const CandidateView& v) {
  bool calls = !v.tool_calls.empty();
  Json message = {{"role", "assistant"}};
  // null beside tool calls, as OpenAI sends; "" otherwise, which every client reads.
  message["content"] = v.has_text ? Json(v.text) : calls ? Json(nullptr) : Json("");
  if (calls) message["tool_calls"] = v.tool_calls;
  return {{"index", v.index},
          {"message", std::move(message)},
          {"finish_reason", MapFinishReason(v.finish.value_or("STOP"), calls)},
          {"logprobs", nullptr}};
}

}  // namespace

std::string MapFinishReason(std::string_view reason, bool has_tool_calls) {
  if (reason == "MAX_TOKENS") return "length";
  if (IsFilterReason(reason)) return "content_filter";
  return has_tool_calls ? "tool_calls" : "stop";  // STOP, unspecified, MALFORMED_FUNCTION_CALL..
}

Usage ParseUsage(const Json& m) {
  Usage u;
  u.prompt_tokens = Int(m, "promptTokenCount");
  // candidatesTokenCount excludes thinking; OpenAI's completion_tokens include reasoning.
  u.completion_tokens = Int(m, "candidatesTokenCount") + Int(m, "thoughtsTokenCount");
  u.cached_tokens = Int(m, "cachedContentTokenCount");
  return u;
}

Json UsageJson(const Json& m) {
  Usage u = ParseUsage(m);
  Json out = {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens},
              {"total_tokens", u.total()}};
  if (int64_t cached = Int(m, "cachedContentTokenCount"); cached > 0)
    out["prompt_tokens_details"] = {{"cached_tokens", cached}};
  if (int64_t thoughts = Int(m, "thoughtsTokenCount"); thoughts > 0)
    out["completion_tokens_details"] = {{"reasoning_tokens", thoughts}};
  return out;
}

CandidateView ReadCandidate(const Json& candidate, int64_t position, std::string_view response_id,
                            int64_t call_base) {
  CandidateView v;
  const Json* index = Field(candidate, "index");
  v.index = index && index->is_number_integer() ? index->get<int64_t>() : position;
  const Json* content = Field(candidate, "content");
  const Json* parts = content ? Field(*content, "parts") : nullptr;
  if (parts && parts->is_array()) {
    for (const Json& part : *parts) {
      const Json* thought = Field(part, "thought");
      bool is_thought = thought && thought->is_boolean() && thought->get<bool>();
      const Json* text = Field(part, "text");
      if (text && text->is_string() && !is_thought) {
        v.text += text->get<std::string>();
        v.has_text = true;
      }
      const Json* call = Field(part, "functionCall");
      if (call && call->is_object())
        v.tool_calls.push_back(ToolCall(*call, part, v, call_base + static_cast<int64_t>(v.tool_calls.size()),
                                        response_id));
    }
  }
  std::string finish = Str(Field(candidate, "finishReason"));
  if (!finish.empty()) v.finish = finish;
  return v;
}

std::optional<Error> BodyError(const Json& doc) {
  if (const Json* err = Field(doc, "error"); err && !(err->is_boolean() && !err->get<bool>()))
    return ClassifyErrorObject(*err);
  const Json* candidates = Field(doc, "candidates");
  bool none = !candidates || !candidates->is_array() || candidates->empty();
  const Json* feedback = Field(doc, "promptFeedback");
  std::string reason = feedback ? Str(Field(*feedback, "blockReason")) : std::string();
  if (none && !reason.empty()) {
    Error e = MakeError(ErrorKind::kContentPolicy,
                        "the prompt was blocked by Gemini before generation (blockReason " + reason + ")", 200);
    e.code = reason;
    return e;
  }
  return std::nullopt;
}

Result<ChatResponse> ParseResponse(std::string_view body, const std::string& fallback_model,
                                   int64_t created) {
  Json doc = ParseJsonBounded(body);
  if (!doc.is_object()) return Fail(MakeError(ErrorKind::kConnection, "malformed response from upstream", 200));
  if (auto err = BodyError(doc)) return Fail(std::move(*err));
  const Json* candidates = Field(doc, "candidates");
  if (!candidates || !candidates->is_array() || candidates->empty())
    return Fail(MakeError(ErrorKind::kServerError, "upstream answered without any candidate", 200));
  std::string response_id = Str(Field(doc, "responseId"));
  Json choices = Json::array();
  for (size_t i = 0; i < candidates->size(); ++i)
    choices.push_back(Choice(ReadCandidate((*candidates)[i], static_cast<int64_t>(i), response_id, 0)));
  ChatResponse out;
  std::string model = Str(Field(doc, "modelVersion"));
  out.model = model.empty() ? fallback_model : model;
  const Json* usage = Field(doc, "usageMetadata");
  Json usage_json = UsageJson(usage ? *usage : Json::object());
  if (usage) out.usage = ParseUsage(*usage);
  out.body = {{"id", "chatcmpl-" + (response_id.empty() ? std::string("gemini") : response_id)},
              {"object", "chat.completion"},
              {"created", created},
              {"model", out.model},
              {"choices", std::move(choices)},
              {"usage", std::move(usage_json)}};
  return out;
}

}  // namespace detour::gemini
