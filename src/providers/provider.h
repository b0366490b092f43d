// The provider contract: ONE upstream attempt against ONE deployment. No retries,
// fallback or cooldown in here: the router owns those. Every failure is classified into
// exactly one ErrorKind (SPEC 3.1) before it leaves the provider.
//
// A Provider is built once per deployment at config load (URLs and auth headers are
// prepared then, not per request) and is shared by all requests: it is thread-safe and
// keeps no per-request state.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"

namespace detour {
namespace net {
class HttpClient;
}

// The deadlines the router computed for this attempt, in the router's Clock time.
struct AttemptLimits {
  TimePoint deadline;              // non-stream: connect to last byte
  TimePoint first_token_deadline;  // stream: until the first content token
  Millis idle_timeout{20000};      // stream: longest silence between chunks after that
  TimePoint hard_deadline;         // the request's own end; nothing runs past it
  const CancelFlag* cancel = nullptr;
};

// What a health probe learned (SPEC 3.3; `check` reports it too).
struct ProbeReport {
  int status = 0;       // the upstream's HTTP status
  Millis latency{0};    // request sent to answer read
  std::string what;     // "chat" or "models": which probe ran
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual Result<ChatResponse> Complete(const ChatRequest& req, const AttemptLimits& limits) = 0;

  // Delivers normalised chunks to `sink` as they arrive. Returns when the upstream stream
  // ended: with a finish reason (and `[DONE]`, or EOF, or 1 s after the finish reason
  // without the upstream's end: SPEC 8), or with an Error. A chunk carrying an upstream
  // error, or a data line that is not valid JSON, is an Error. Azure filter-only chunks
  // (empty choices, no usage) are dropped. An upstream that ends without a finish reason
  // is an Error of kind connection ("stream cut").
  virtual Result<StreamEnd> Stream(const ChatRequest& req, const AttemptLimits& limits,
                                   const ChunkSink& sink) = 0;

  // Whether the deployment answers at all: a one-token chat, or the provider's model list
  // where the deployment says `probe = "models"`. Bounded by limits.deadline; a failure is
  // classified like any attempt's.
  virtual Result<ProbeReport> Probe(const AttemptLimits& limits) = 0;

  // One embeddings attempt. A provider without an embeddings endpoint answers an Error of
  // kind unavailable (the walk moves on without cooling the deployment down).
  virtual Result<EmbeddingResponse> Embed(const EmbeddingRequest& req, const AttemptLimits& limits) = 0;
};

// Builds the provider for a deployment (providers/registry.cc holds the one table).
// Returns nullptr for an unknown provider name (config validation rejects those first).
// `http` and `clock` must outlive the provider.
std::unique_ptr<Provider> MakeProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                       Clock& clock);

}  // namespace detour
