// The same-protocol fast path against the DOM path on the same bytes (issue #20): each
// function reads `text` both ways and returns "" when they agree, else what differs. Used
// by tests/unit/providers/fast_path_equivalence_test.cc over a corpus and by the
// fast_path fuzz target over whatever libFuzzer makes. "Agree" means: the fast reading
// declined (nullopt, so the DOM path decides anyway), or it gives what the DOM path gives,
// compared as parsed JSON and field by field.
// Header-only: the fuzz target links detour_server, the unit tests everything.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "providers/openai/fast_wire.h"
#include "providers/openai/wire.h"
#include "server/openai_api.h"
#include "util/fast_json.h"
#include "util/json_guard.h"

namespace detour::testing {

// Runs `f` with the fast path switched off, then switches it back on.
template <typename F>
auto WithDomPath(F f) {
  fastjson::SetEnabled(false);
  auto r = f();
  fastjson::SetEnabled(true);
  return r;
}

inline bool SameUsage(const Usage& a, const Usage& b) {
  return a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
         a.cached_tokens == b.cached_tokens;
}

inline std::string UpstreamBodiesDiffer(const ChatRequest& fast, const ChatRequest& dom) {
  for (bool stream : {false, true}) {
    Json spliced = ParseJsonBounded(openai::SpliceBody(*fast.raw, "up-model", stream));
    if (spliced != openai::BuildBody(dom, "up-model", stream))
      return std::string("upstream body differs (stream=") + (stream ? "true" : "false") +
             "): " + spliced.dump() + " vs " + openai::BuildBody(dom, "up-model", stream).dump();
  }
  return "";
}

// ParseChatRequest: the request as serve reads it, and the body that goes upstream.
inline std::string RequestDiff(std::string_view text) {
  auto fast = ParseChatRequestFast(text);
  if (!fast) return "";
  auto dom = WithDomPath([&] { return ParseChatRequest(text); });
  if (!dom.ok()) return "fast path accepted what the DOM path refuses: " + dom.error().message;
  if (!fast->raw) return "fast request without raw bytes";
  if (fast->model != dom->model) return "model differs";
  if (fast->stream != dom->stream) return "stream differs";
  if (fast->client_wants_usage != dom->client_wants_usage) return "client_wants_usage differs";
  const auto &a = fast->overrides, &b = dom->overrides;
  if (a.fallbacks != b.fallbacks || a.num_retries != b.num_retries || a.timeout != b.timeout)
    return "overrides differ";
  if (RequestJson(*fast) != dom->body) return "request DOM differs";
  if (openai::ChoiceCount(*fast) != openai::ChoiceCount(dom->body)) return "choice count differs";
  return UpstreamBodiesDiffer(*fast, *dom);
}

// ParseCompletion: the 2xx answer, its usage and model.
inline std::string CompletionDiff(std::string_view text) {
  auto fast = openai::ScanCompletion(text, "fallback-model");
  if (!fast) return "";
  auto dom = openai::ParseCompletion(text, "fallback-model");
  if (!dom.ok()) return "fast path accepted an answer the DOM path refuses: " + dom.error().message;
  if (!SameUsage(fast->usage, dom->usage)) return "usage differs";
  if (fast->model != dom->model) return "model differs";
  if (ResponseJson(*fast) != dom->body) return "answer differs";
  return "";
}

// StreamReader's reading of one chunk, and the gate's removal of `usage`.
inline std::string ChunkDiff(std::string_view text) {
  auto fast = openai::ScanChunk(text);
  if (!fast) return "";
  Json doc = ParseJsonBounded(text);
  if (!doc.is_object()) return "fast path accepted a chunk that is not a JSON object";
  if (openai::ChunkError(doc)) return "fast path accepted a chunk holding an error";
  if (fast->filter_only != openai::IsFilterOnly(doc)) return "filter-only differs";
  if (fast->filter_only) return "";
  std::set<int64_t> finished;
  openai::CollectFinished(doc, finished);
  if (std::set<int64_t>(fast->finished.begin(), fast->finished.end()) != finished) return "finished differs";
  auto model = doc.find("model");
  std::optional<std::string> dom_model;
  if (model != doc.end() && model->is_string()) dom_model = model->get<std::string>();
  if (fast->model != dom_model) return "model differs";
  StreamChunk& f = fast->chunk;
  StreamChunk d = openai::ParseChunk(doc);
  if (f.has_content != d.has_content || f.text != d.text || f.text_only != d.text_only ||
      f.finish_reason != d.finish_reason)
    return "chunk fields differ";
  if (f.usage.has_value() != d.usage.has_value() || (f.usage && !SameUsage(*f.usage, *d.usage)))
    return "chunk usage differs";
  if (ChunkJson(f) != d.data) return "chunk JSON differs";
  StreamChunk erased;
  erased.raw = f.raw;
  EraseChunkMember(erased, "usage");
  Json without = d.data;
  without.erase("usage");
  if (ParseJsonBounded(erased.raw) != without) return "chunk without usage differs: " + erased.raw;
  return "";
}

}  // namespace detour::testing
