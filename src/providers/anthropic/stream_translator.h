// Anthropic's SSE stream (provider-protocols.md 4.4) -> OpenAI chat.completion.chunks, as
// the state machine of 6.3 (a StreamTranslator). No I/O and no clock: the shared attempt
// code (providers/http_provider.h) feeds events and moves deadlines from the state read
// here. One translator per stream; not thread-safe. `sink` must outlive it.
//
// message_start        -> a role chunk (delta role + content ""), input usage remembered
// content_block_start  -> text: its initial text, if any; tool_use: a tool_calls delta
//                         {index (counts tool calls, not blocks), id, name, arguments ""}
// content_block_delta  -> text_delta: content; input_json_delta: an arguments piece
// content_block_stop   -> a tool block that received no arguments gets "{}"
// message_delta        -> the finish_reason chunk, then the usage chunk (choices: [])
//                         once, as the OpenAI family sends it; finished() from here on
// message_stop         -> done()
// error                -> Error classified by error.type; reading stops
// ping, thinking blocks, unknown events -> nothing
// Payloads that are not JSON objects, or known events with fields of the wrong type, are
// an Error of kind connection ("malformed chunk").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/error.h"
#include "model/types.h"
#include "net/sse.h"
#include "providers/anthropic/wire.h"
#include "providers/protocol.h"

namespace detour::anthropic {

class StreamTranslator final : public detour::StreamTranslator {
 public:
  // `created`: the chunks' timestamp (the caller's clock); `model`: the chunks' model until
  // message_start names the upstream's.
  StreamTranslator(const ChunkSink& sink, int64_t created, std::string model)
      : sink_(sink), created_(created), chunk_model_(std::move(model)) {}

  bool OnEvent(const net::SseEvent& event) override;
  bool saw_content() const override { return saw_content_; }
  bool finished() const override { return finished_; }
  bool done() const override { return done_; }
  bool canceled() const override { return canceled_; }
  const std::optional<Error>& error() const override { return error_; }
  StreamEnd End(const std::string& fallback_model) const override;

 private:
  struct Block {
    int64_t tool_index = -1;  // >= 0 for a tool_use block
    bool got_arguments = false;
  };

  bool Dispatch(const std::string& type, const Json& doc);
  bool OnMessageStart(const Json& doc);
  bool OnBlockStart(const Json& doc);
  bool OnBlockDelta(const Json& doc);
  bool OnBlockStop(const Json& doc);
  bool OnMessageDelta(const Json& doc);

  // A chunk whose only choice has `delta` (and `finish_reason` when given).
  Json Chunk(Json delta, const std::optional<std::string>& finish = std::nullopt) const;
  bool EmitText(const std::string& text);
  bool EmitToolCall(Json call);
  bool Emit(StreamChunk chunk);
  bool Malformed(const std::string& what);

  const ChunkSink& sink_;
  int64_t created_;
  std::string id_;
  std::string model_;        // as the upstream named it
  std::string chunk_model_;  // what chunks carry
  std::map<int64_t, Block> blocks_;  // by Anthropic block index
  int64_t tool_count_ = 0;
  TokenCounts counts_;
  std::string finish_reason_;
  bool usage_seen_ = false;
  bool saw_content_ = false;
  bool finished_ = false;
  bool done_ = false;
  bool canceled_ = false;
  std::optional<Error> error_;
};

}  // namespace detour::anthropic
