// The OpenAI-family controller: one upstream attempt over net::HttpClient for OpenAI,
// OpenAI-compatible servers and Azure OpenAI, which differ only in URL and auth header
// (the Endpoint). All conversion lives in wire.h, classification in classify.h, stream
// state in stream_reader.h; this class only does I/O and moves deadlines.
// Thread-safe: immutable after construction; every call keeps its state on its own stack.
// `http` must outlive the provider.
#pragma once

#include <memory>

#include "providers/endpoint.h"
#include "providers/provider.h"

namespace detour::openai {

class FamilyProvider final : public Provider {
 public:
  FamilyProvider(Endpoint endpoint, net::HttpClient& http)
      : endpoint_(std::move(endpoint)), http_(http) {}

  // One deadline: limits.deadline, capped by limits.hard_deadline.
  Result<ChatResponse> Complete(const ChatRequest& req, const AttemptLimits& limits) override;
  // The deadline starts at first_token_deadline; after the first content chunk every chunk
  // moves it to now + idle_timeout; after the finish reason (or `[DONE]`) it becomes
  // now + 1 s, and running into it then is success. Never past hard_deadline.
  Result<StreamEnd> Stream(const ChatRequest& req, const AttemptLimits& limits,
                           const ChunkSink& sink) override;

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  net::Request MakeRequest(const ChatRequest& req, bool stream, net::Deadline* deadline,
                           const CancelFlag* cancel) const;
  Error Redacted(Error error) const;

  const Endpoint endpoint_;
  net::HttpClient& http_;
};

// openai and openai-compatible: POST {api_base}/chat/completions, `Authorization: Bearer`
// (omitted without a key), then the deployment's extra headers.
std::unique_ptr<Provider> MakeOpenAIProvider(const DeploymentConfig& dep, net::HttpClient& http);

}  // namespace detour::openai
