// The OpenAI-family stream as a state machine over SSE events (a StreamTranslator):
// decides which events become chunks for the sink, which are errors, and when the answer
// is complete. No I/O and no clock: the shared attempt code (providers/http_provider.h)
// feeds events and moves deadlines from the state read here. One reader per stream; not
// thread-safe. `sink` must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "model/error.h"
#include "model/types.h"
#include "net/sse.h"
#include "providers/protocol.h"

namespace detour::openai {

struct ScannedChunk;  // providers/openai/fast_wire.h

class StreamReader final : public StreamTranslator {
 public:
  StreamReader(const ChunkSink& sink, int64_t expected_choices)
      : sink_(sink), expected_choices_(expected_choices) {}

  // Handles one event. Returns false when reading must stop: the chunk carried an error,
  // was not a JSON object (connection, "malformed chunk"), or the sink returned false.
  // `[DONE]` marks the end; events after it are ignored. Filter-only chunks are dropped.
  bool OnEvent(const net::SseEvent& event) override;

  bool saw_content() const override { return saw_content_; }
  // Every expected choice has reported its finish reason: the answer is complete.
  bool finished() const override { return static_cast<int64_t>(finished_.size()) >= expected_choices_; }
  bool done() const override { return done_; }          // `[DONE]` arrived
  bool canceled() const override { return canceled_; }  // the sink returned false
  const std::optional<Error>& error() const override { return error_; }

  // Usage, choice 0's finish reason and the upstream model (`fallback_model` when the
  // upstream never named one).
  StreamEnd End(const std::string& fallback_model) const override;

 private:
  bool Take(ScannedChunk scanned);  // a chunk the fast path read (fast_wire.h)
  bool Deliver(StreamChunk& chunk);        // a chunk for the sink, either way it was read
  const ChunkSink& sink_;
  int64_t expected_choices_;
  std::set<int64_t> finished_;
  StreamEnd end_;
  bool saw_content_ = false;
  bool done_ = false;
  bool canceled_ = false;
  std::optional<Error> error_;
};

}  // namespace detour::openai
