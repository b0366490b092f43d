#include "providers/gemini/stream.h"

#include "providers/gemini/wire.h"
#include "providers/openai/wire.h"
#include "util/json_guard.h"

namespace detour::gemini {
namespace {

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string Str(const Json* v) { return v && v->is_string() ? v->get<std::string>() : std::string(); }

bool Blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

bool StreamReader::OnEvent(const net::SseEvent& event) {
  if (Blank(event.data)) return true;  // an event without payload carries nothing
  Json doc = ParseJsonBounded(event.data);
  if (!doc.is_object()) {
    error_ = MakeError(ErrorKind::kConnection, "malformed chunk from upstream (not a JSON object)", 200);
    return false;
  }
  if (auto err = BodyError(doc)) {
    error_ = std::move(*err);
    return false;
  }
  if (response_id_.empty()) response_id_ = Str(Field(doc, "responseId"));
  if (end_.model.empty()) end_.model = Str(Field(doc, "modelVersion"));
  if (const Json* usage = Field(doc, "usageMetadata"); usage && usage->is_object()) {
    usage_metadata_ = *usage;  // running totals: the latest replaces, a missing one keeps
    end_.usage = ParseUsage(*usage);
    end_.usage_reported = true;
  }
  if (const Json* candidates = Field(doc, "candidates"); candidates && candidates->is_array())
    for (size_t i = 0; i < candidates->size(); ++i)
      if (!HandleCandidate((*candidates)[i], static_cast<int64_t>(i))) return false;
  if (finished() && end_.usage_reported && !usage_sent_) {
    usage_sent_ = true;
    Json chunk = {{"choices", Json::array()}, {"usage", UsageJson(usage_metadata_)}};
    if (!Emit(std::move(chunk))) return false;
  }
  return true;
}

bool StreamReader::HandleCandidate(const Json& candidate, int64_t position) {
  const Json* named = Field(candidate, "index");
  int64_t index = named && named->is_number_integer() ? named->get<int64_t>() : position;
  int64_t& made = calls_[index];  // numbers this choice's calls across the whole stream
  CandidateView v = ReadCandidate(candidate, position, response_id_, made);
  if (started_.insert(v.index).second &&
      !EmitChoice(v.index, {{"role", "assistant"}, {"content", ""}}, nullptr))
    return false;
  Json delta = Json::object();
  if (v.has_text && !v.text.empty()) delta["content"] = v.text;
  if (!v.tool_calls.empty()) {
    Json calls_delta = Json::array();
    for (Json& call : v.tool_calls) {
      call["index"] = made++;
      calls_delta.push_back(std::move(call));
    }
    delta["tool_calls"] = std::move(calls_delta);
  }
  if (!delta.empty() && !EmitChoice(v.index, std::move(delta), nullptr)) return false;
  // Older models repeat STOP on every event: only the first finish of a choice counts.
  if (!v.finish || !finished_.insert(v.index).second) return true;
  std::string reason = MapFinishReason(*v.finish, made > 0);
  if (v.index == 0) end_.finish_reason = reason;
  return EmitChoice(v.index, Json::object(), reason);
}

bool StreamReader::EmitChoice(int64_t index, Json delta, const Json& finish_reason) {
  Json choice = {{"index", index}, {"delta", std::move(delta)}, {"finish_reason", finish_reason}};
  return Emit({{"choices", Json::array({std::move(choice)})}});
}

bool StreamReader::Emit(Json chunk) {
  chunk["id"] = "chatcmpl-" + (response_id_.empty() ? std::string("gemini") : response_id_);
  chunk["object"] = "chat.completion.chunk";
  chunk["created"] = created_;
  chunk["model"] = end_.model.empty() ? model_ : end_.model;
  StreamChunk out = openai::ParseChunk(std::move(chunk));
  saw_content_ = saw_content_ || out.has_content;
  if (!sink_(out)) {
    canceled_ = true;
    return false;
  }
  return true;
}

StreamEnd StreamReader::End(const std::string& fallback_model) const {
  StreamEnd end = end_;
  if (end.model.empty()) end.model = fallback_model;
  return end;
}

}  // namespace detour::gemini
