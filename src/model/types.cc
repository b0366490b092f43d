#include "model/types.h"

#include "util/fast_json.h"
#include "util/json_guard.h"

namespace detour {

const Json& RawBody::dom() const {
  std::call_once(once_, [this] {
    dom_ = ParseJsonBounded(text_);
    if (!dom_.is_object()) return;  // cannot happen: the fast path validated the text
    for (const auto& key : drop_) dom_.erase(key);
  });
  return dom_;
}

const Json& RequestJson(const ChatRequest& req) { return req.raw ? req.raw->dom() : req.body; }

Json ResponseJson(const ChatResponse& r) {
  return r.body.is_null() && !r.raw.empty() ? ParseJsonBounded(r.raw) : r.body;
}

void MaterializeBody(ChatResponse& r) {
  if (r.body.is_null() && !r.raw.empty()) r.body = ParseJsonBounded(r.raw);
}

const Json& ChunkJson(StreamChunk& c) {
  if (c.data.is_null() && !c.raw.empty()) c.data = ParseJsonBounded(c.raw);
  return c.data;
}

Json& MutableChunkJson(StreamChunk& c) {
  ChunkJson(c);
  c.raw.clear();
  return c.data;
}

void EraseChunkMember(StreamChunk& c, std::string_view key) {
  if (!c.raw.empty()) fastjson::EraseMember(c.raw, key);
  if (c.data.is_object()) c.data.erase(std::string(key));
}

}  // namespace detour
