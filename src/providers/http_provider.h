// The attempt code every HTTP provider shares: one upstream attempt over net::HttpClient
// for a Protocol (translation + classification). It owns what must behave the same for
// every provider:
// - non-stream: one deadline, limits.deadline capped by limits.hard_deadline;
// - stream: the deadline starts at first_token_deadline; after the first content event
//   every event moves it to now + idle_timeout; after the finish reason (or the end
//   marker) it becomes now + 1 s, and running into it then is success (SPEC 8); never
//   past hard_deadline. A stream that ends without a finish reason is a "stream cut";
// - transport failures classified (timeout, connection, canceled), non-2xx answers
//   classified by the Protocol, the key redacted from every error text;
// - the probe operation (a one-token chat, or the model list with probe = "models").
// Deadlines arrive in Clock time and are handed to net in real time (Clock::ToSteady).
// Thread-safe: immutable after construction; every call keeps its state on its stack.
#pragma once

#include <memory>

#include "providers/protocol.h"
#include "providers/provider.h"
#include "providers/token_source.h"

namespace detour {

class HttpProvider final : public Provider {
 public:
  // `http` and `clock` must outlive the provider. `probe_models`: probe = "models".
  // `tokens`: where the bearer token comes from when the credential is not a fixed key
  // (null: the Protocol's headers carry the key).
  HttpProvider(std::unique_ptr<Protocol> protocol, net::HttpClient& http, Clock& clock,
               bool probe_models, std::shared_ptr<TokenSource> tokens = nullptr);

  Result<ChatResponse> Complete(const ChatRequest& req, const AttemptLimits& limits) override;
  Result<StreamEnd> Stream(const ChatRequest& req, const AttemptLimits& limits,
                           const ChunkSink& sink) override;
  Result<ProbeReport> Probe(const AttemptLimits& limits) override;
  Result<EmbeddingResponse> Embed(const EmbeddingRequest& req, const AttemptLimits& limits) override;

  const Protocol& protocol() const { return *protocol_; }

 private:
  class SseHandler;
  Error Redacted(Error error) const;
  // Deadline, cancel flag and (with a TokenSource) the bearer token on `request`.
  Result<bool> Prepare(net::Request& request, net::Deadline& deadline, const AttemptLimits& limits);
  Result<ProbeReport> ProbeModels(const net::Request& models, const AttemptLimits& limits);
  // One buffered exchange bounded by limits.deadline: the 2xx response, or the classified
  // failure (transport or HTTP), redacted.
  Result<net::Response> Exchange(net::Request request, const AttemptLimits& limits);

  std::unique_ptr<Protocol> protocol_;
  net::HttpClient& http_;
  Clock& clock_;
  bool probe_models_;
  std::shared_ptr<TokenSource> tokens_;
};

}  // namespace detour
