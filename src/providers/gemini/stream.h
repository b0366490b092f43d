// Gemini's `:streamGenerateContent?alt=sse` as OpenAI chunks (provider-protocols.md 5.4,
// 6.6): every SSE event is a whole GenerateContentResponse. Per candidate: a role chunk
// first, then text deltas, each functionCall part as one complete tool_call delta (a
// running index per choice), and the finishReason as a finish chunk ("tool_calls" when
// the choice produced calls, since Gemini says STOP). usageMetadata is cumulative: the
// last one wins; once every choice has finished, one usage chunk (choices: [], usage)
// follows, as the OpenAI reader delivers it. Chunks are built in OpenAI's shape and read
// back through openai::ParseChunk, so has_content / text / text_only / finish_reason mean
// exactly what the core's commit gate and replay expect.
//
// Gemini sends no end marker: finished() after every choice's finishReason, and the
// connection's end after that is success (HttpProvider's rule). An event that is not
// JSON is a connection error; an error object or a prompt blocked before generation
// (promptFeedback.blockReason, no candidates) is that error, classified.
// One translator per stream; not thread-safe. `sink` must outlive it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "providers/protocol.h"

namespace detour::gemini {

class StreamReader final : public StreamTranslator {
 public:
  // `expected_choices`: the request's n; `created`: the Unix time stamp of every chunk;
  // `model`: the chunks' model until the upstream names its modelVersion.
  StreamReader(const ChunkSink& sink, int64_t expected_choices, int64_t created, std::string model)
      : sink_(sink), expected_choices_(expected_choices), created_(created), model_(std::move(model)) {}

  bool OnEvent(const net::SseEvent& event) override;
  bool saw_content() const override { return saw_content_; }
  bool finished() const override { return static_cast<int64_t>(finished_.size()) >= expected_choices_; }
  bool done() const override { return false; }  // Gemini has no end marker
  bool canceled() const override { return canceled_; }
  const std::optional<Error>& error() const override { return error_; }
  StreamEnd End(const std::string& fallback_model) const override;

 private:
  bool HandleCandidate(const Json& candidate, int64_t position);
  bool EmitChoice(int64_t index, Json delta, const Json& finish_reason);
  bool Emit(Json chunk);

  const ChunkSink& sink_;
  int64_t expected_choices_;
  int64_t created_;
  std::string model_;
  std::string response_id_;
  std::map<int64_t, int64_t> calls_;  // choice index -> tool calls emitted so far
  std::set<int64_t> started_;         // choices whose role chunk went out
  std::set<int64_t> finished_;
  Json usage_metadata_;               // the latest (cumulative) usageMetadata
  bool usage_sent_ = false;
  StreamEnd end_;
  bool saw_content_ = false;
  bool canceled_ = false;
  std::optional<Error> error_;
};

}  // namespace detour::gemini
