#include "core/response_cache_route.h"

#include <algorithm>

namespace detour {
namespace {

// Content is replayed in pieces of about this many bytes (at most kMaxPieces of them):
// a few chunks, as a live stream would send, without one event per character.
constexpr size_t kPieceBytes = 48;
constexpr size_t kMaxPieces = 16;

// Splits `s` into pieces that never cut a UTF-8 sequence.
std::vector<std::string> Pieces(const std::string& s) {
  std::vector<std::string> out;
  size_t size = std::max(kPieceBytes, (s.size() + kMaxPieces - 1) / kMaxPieces);
  size_t at = 0;
  while (at < s.size()) {
    size_t end = std::min(s.size(), at + size);
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) end++;
    out.push_back(s.substr(at, end - at));
    at = end;
  }
  return out;
}

// body[key] when it is there and not null, else `otherwise` (never throws on a type).
Json Field(const Json& body, const char* key, Json otherwise) {
  auto it = body.find(key);
  return it == body.end() || it->is_null() ? otherwise : *it;
}

int IndexOf(const Json& choice) {
  Json i = Field(choice, "index", 0);
  return i.is_number_integer() ? i.get<int>() : 0;
}

// A chat.completion.chunk shell with the cached answer's id, created and model.
Json ChunkShell(const Json& body) {
  return {{"id", Field(body, "id", "chatcmpl-detour-cache")},
          {"object", "chat.completion.chunk"},
          {"created", Field(body, "created", 0)},
          {"model", Field(body, "model", "")}};
}

StreamChunk ChoiceChunk(const Json& body, int index, Json delta, const Json& finish = nullptr) {
  StreamChunk c;
  c.data = ChunkShell(body);
  c.data["choices"] = Json::array({{{"index", index}, {"delta", std::move(delta)}, {"finish_reason", finish}}});
  c.text_only = index == 0;
  if (index == 0 && finish.is_string()) c.finish_reason = finish.get<std::string>();
  return c;
}

Json FinishOf(const Json& choice) {
  Json f = Field(choice, "finish_reason", "stop");
  return f.is_string() ? f : Json("stop");
}

// Every chunk of one choice: role, content pieces, tool calls (whole, one chunk), finish.
std::vector<StreamChunk> ChoiceChunks(const Json& body, const Json& choice) {
  int index = IndexOf(choice);
  const Json msg = Field(choice, "message", Json::object());
  std::vector<StreamChunk> out;
  out.push_back(ChoiceChunk(body, index, {{"role", Field(msg, "role", "assistant")}, {"content", ""}}));
  if (auto it = msg.find("content"); it != msg.end() && it->is_string()) {
    for (auto& piece : Pieces(it->get<std::string>())) {
      StreamChunk c = ChoiceChunk(body, index, {{"content", piece}});
      c.has_content = true;
      if (index == 0) c.text = piece;
      out.push_back(std::move(c));
    }
  }
  if (auto it = msg.find("refusal"); it != msg.end() && it->is_string()) {
    StreamChunk c = ChoiceChunk(body, index, {{"refusal", *it}});
    c.has_content = true;
    c.text_only = false;
    out.push_back(std::move(c));
  }
  if (auto it = msg.find("tool_calls"); it != msg.end() && it->is_array() && !it->empty()) {
    Json calls = Json::array();
    for (size_t i = 0; i < it->size(); i++) {
      Json call = (*it)[i];
      call["index"] = i;
      calls.push_back(std::move(call));
    }
    StreamChunk c = ChoiceChunk(body, index, {{"tool_calls", std::move(calls)}});
    c.has_content = true;
    c.text_only = false;
    out.push_back(std::move(c));
  }
  out.push_back(ChoiceChunk(body, index, Json::object(), FinishOf(choice)));
  return out;
}

Json UsageJson(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.total()}};
}

}  // namespace

CacheUse::CacheUse(ResponseCache* cache, const std::string& model, const ChatRequest& req) : cache_(cache) {
  if (!cache_) return;
  key_ = ResponseCache::KeyOf(model, RequestJson(req));
  read_ = req.overrides.cache == CacheDirective::kNormal;
  store_ = req.overrides.cache != CacheDirective::kNoStore;
}

std::shared_ptr<const CachedAnswer> CacheUse::Lookup() const {
  return cache_ && read_ ? cache_->Get(key_) : nullptr;
}

void CacheUse::Store(const ChatResponse& response, const RouteInfo& route) const {
  if (!cache_ || !store_) return;
  CachedAnswer answer{response, route.deployment, route.group};
  MaterializeBody(answer.response);  // a hit may be replayed as a stream or translated
  cache_->Put(key_, std::move(answer));
}

RouteInfo CacheUse::HitRoute(const CachedAnswer& hit, const std::string& requested) {
  RouteInfo r;
  r.deployment = hit.deployment;
  r.group = hit.group;
  r.requested = requested;
  r.cache = CacheStatus::kHit;
  return r;
}

bool StreamRecorder::OnCommit(const RouteInfo& route) {
  RouteInfo r = route;
  r.cache = status_;
  return inner_.OnCommit(r);
}

bool StreamRecorder::OnChunk(StreamChunk& c) {
  if (status_ != CacheStatus::kOff) {
    // Read only until the three are known (usually the first chunk): a fast-path chunk is
    // parsed for them, not every chunk.
    if (id_.is_null() || created_.is_null() || model_.is_null()) {
      const Json& data = ChunkJson(c);
      if (id_.is_null() && data.contains("id")) id_ = data["id"];
      if (created_.is_null() && data.contains("created")) created_ = data["created"];
      if (model_.is_null() && data.contains("model")) model_ = data["model"];
    }
    if (!c.text_only) rebuildable_ = false;
    text_ += c.text;
    if (c.finish_reason) finish_ = c.finish_reason;
  }
  return inner_.OnChunk(c);
}

std::optional<ChatResponse> StreamRecorder::Answer(const StreamEnd& end) const {
  if (status_ == CacheStatus::kOff || !rebuildable_) return std::nullopt;
  std::string finish = finish_ ? *finish_ : end.finish_reason;
  if (finish.empty()) return std::nullopt;  // never saw the end of the answer
  ChatResponse r;
  r.model = !end.model.empty() ? end.model : model_.is_string() ? model_.get<std::string>() : "";
  r.usage = end.usage;
  r.body = {{"id", id_.is_null() ? Json("chatcmpl-detour-cache") : id_},
            {"object", "chat.completion"},
            {"created", created_.is_null() ? Json(0) : created_},
            {"model", r.model},
            {"choices", Json::array({{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", text_}}},
                                      {"finish_reason", finish}}})},
            {"usage", UsageJson(end.usage)}};
  return r;
}

Expected<StreamEnd, RouteFailure> ReplayCached(const CachedAnswer& hit, const ChatRequest& req,
                                               const RouteInfo& route, StreamConsumer& consumer) {
  const Json body = ResponseJson(hit.response);
  auto stopped = [] {
    RouteFailure f;
    f.status = 499;
    f.committed = true;
    f.error = MakeError(ErrorKind::kCanceled, "the client went away");
    return f;
  };
  if (!consumer.OnCommit(route)) return Fail(stopped());
  StreamEnd end;
  end.model = hit.response.model;
  end.usage = hit.response.usage;
  end.usage_reported = true;
  const Json choices = Field(body, "choices", Json::array());
  for (const Json& choice : choices) {
    if (!choice.is_object()) continue;
    if (end.finish_reason.empty() && IndexOf(choice) == 0) end.finish_reason = FinishOf(choice).get<std::string>();
    for (StreamChunk& c : ChoiceChunks(body, choice))
      if (!consumer.OnChunk(c)) return Fail(stopped());
  }
  if (req.client_wants_usage) {
    StreamChunk c;
    c.data = ChunkShell(body);
    c.data["choices"] = Json::array();
    c.data["usage"] = UsageJson(hit.response.usage);
    c.usage = hit.response.usage;
    if (!consumer.OnChunk(c)) return Fail(stopped());
  }
  return end;
}

}  // namespace detour
