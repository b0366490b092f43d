// What a provider folder supplies (DESIGN.md rule 4): translation and classification,
// nothing else. The shared attempt code (providers/http_provider.h) does the I/O, the
// deadlines (attempt, first token, idle, the 1 s finish grace), cancellation, usage
// capture and secret redaction for every provider built on this interface.
//
// A Protocol is built once per deployment (URL, auth headers and model prepared then) and
// is immutable after: thread-safe. A StreamTranslator serves one stream; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"
#include "net/http_client.h"
#include "net/sse.h"

namespace detour {

// One stream's SSE events in the provider's framing -> neutral chunks for the sink.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;
  // Handles one event. Returns false when reading must stop: an error event, a chunk that
  // is not valid JSON (error() says which), or the sink returned false (canceled()).
  virtual bool OnEvent(const net::SseEvent& event) = 0;
  virtual bool saw_content() const = 0;  // a content token has arrived
  virtual bool finished() const = 0;     // every choice has its finish reason: complete
  virtual bool done() const = 0;         // the protocol's end marker ([DONE], message_stop)
  virtual bool canceled() const = 0;
  virtual const std::optional<Error>& error() const = 0;
  // Usage, choice 0's finish reason and the upstream model (`fallback_model` when the
  // upstream named none).
  virtual StreamEnd End(const std::string& fallback_model) const = 0;
};

class Protocol {
 public:
  virtual ~Protocol() = default;
  // The upstream exchange for one chat attempt: method, URL, headers (auth), body.
  // Deadline and cancel are filled in by the caller.
  virtual net::Request BuildChat(const ChatRequest& req, bool stream) const = 0;
  // A 2xx non-stream body -> the neutral response; malformed bodies and errors inside a
  // 200 become classified Errors.
  virtual Result<ChatResponse> ParseChat(std::string_view body) const = 0;
  // A non-2xx answer -> Error (kind, message, code, Retry-After). `now` is calendar time
  // for HTTP-date Retry-After values.
  virtual Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                             WallTime now) const = 0;
  virtual std::unique_ptr<StreamTranslator> NewStream(const ChatRequest& req,
                                                      const ChunkSink& sink) const = 0;
  // The model-list exchange for `probe = "models"`; nullopt where the provider has none
  // (the probe then sends a one-token chat).
  virtual std::optional<net::Request> BuildModels() const { return std::nullopt; }
  // The embeddings exchange and the parse of its 2xx body into OpenAI's list shape;
  // nullopt where the provider serves no embeddings.
  virtual std::optional<net::Request> BuildEmbed(const EmbeddingRequest&) const { return std::nullopt; }
  virtual Result<EmbeddingResponse> ParseEmbed(std::string_view) const {
    return Fail(MakeError(ErrorKind::kUnavailable, "this provider serves no embeddings"));
  }
  virtual const std::string& model() const = 0;   // the deployment's upstream model
  virtual std::string_view secret() const = 0;    // the key, only to redact it from errors
};

}  // namespace detour
