// The wire format of a stream to the client: turns the router's stream callbacks into SSE
// bytes. OpenAI's (`data: {chunk}` ... `data: [DONE]`) for /v1/chat/completions,
// Anthropic's (message_start, content_block_*, message_delta, message_stop) for
// /v1/messages. One encoder per stream, called from the stream's walk only (not
// thread-safe), in order: Chunk* then Done or Failed.
#pragma once

#include <memory>
#include <string>

#include "core/router.h"

namespace detour {

class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // A chunk the commit gate let through (usage chunks only when the client asked).
  virtual std::string Chunk(const StreamChunk& c) = 0;
  // The same bytes appended to `out`: the per-event path, into a buffer the stream reuses
  // (no allocation per event where the encoder can write in place).
  virtual void AppendChunk(const StreamChunk& c, std::string& out) { out += Chunk(c); }
  // The stream completed.
  virtual std::string Done(const StreamEnd& end) = 0;
  // The stream failed after commit: the error event, and no end marker (SPEC 3.5).
  virtual std::string Failed(const RouteFailure& f) = 0;
};

std::unique_ptr<StreamEncoder> MakeOpenAIStreamEncoder();
// Needs the neutral request to carry client_wants_usage (it reads usage from the stream).
std::unique_ptr<StreamEncoder> MakeAnthropicStreamEncoder();

}  // namespace detour
