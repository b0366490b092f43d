#include "providers/openai/stream_reader.h"

#include <string_view>

#include "providers/classify.h"
#include "providers/openai/fast_wire.h"
#include "providers/openai/wire.h"
#include "util/json_guard.h"

namespace detour::openai {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool StreamReader::OnEvent(const net::SseEvent& event) {
  if (done_) return true;
  std::string_view data = Trim(event.data);
  if (data.empty()) return true;  // an event without payload carries nothing
  if (data == "[DONE]") {
    done_ = true;
    return true;
  }
  if (auto fast = ScanChunk(data, end_.model.empty())) return Take(std::move(*fast));
  Json doc = ParseJsonBounded(data);
  if (!doc.is_object()) {
    // Status 200: the headers had arrived; the body broke.
    error_ = MakeError(ErrorKind::kConnection, "malformed chunk from upstream (not JSON)", 200);
    return false;
  }
  if (const Json* err = ChunkError(doc)) {
    error_ = ClassifyErrorObject(*err);
    return false;
  }
  if (IsFilterOnly(doc)) return true;
  CollectFinished(doc, finished_);
  if (end_.model.empty()) {
    auto model = doc.find("model");
    if (model != doc.end() && model->is_string()) end_.model = model->get<std::string>();
  }
  StreamChunk chunk = ParseChunk(std::move(doc));
  return Deliver(chunk);
}

bool StreamReader::Take(ScannedChunk scanned) {
  if (scanned.filter_only) return true;
  finished_.insert(scanned.finished.begin(), scanned.finished.end());
  if (end_.model.empty() && scanned.model) end_.model = std::move(*scanned.model);
  return Deliver(scanned.chunk);
}

bool StreamReader::Deliver(StreamChunk& chunk) {
  saw_content_ = saw_content_ || chunk.has_content;
  if (chunk.finish_reason) end_.finish_reason = *chunk.finish_reason;
  if (chunk.usage) {
    end_.usage = *chunk.usage;
    end_.usage_reported = true;
  }
  if (!sink_(chunk)) {
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

}  // namespace detour::openai
