// The Anthropic Messages API as a Protocol (providers/protocol.h): POST {api_base}/v1/messages
// with `x-api-key` and `anthropic-version: 2023-06-01`, models at {api_base}/v1/models.
// Conversion lives in wire.h, classification in classify.h, stream state in
// stream_translator.h; the attempt itself is the shared HttpProvider's. The same protocol
// serves Claude on Vertex AI (vertex_claude.h), which differs only in URL, auth and two
// body fields: AnthropicOptions.
// Thread-safe: immutable after construction.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "model/clock.h"
#include "providers/anthropic/wire.h"
#include "providers/protocol.h"
#include "providers/provider.h"

namespace detour::anthropic {

constexpr const char* kApiVersion = "2023-06-01";

struct AnthropicOptions {
  bool model_in_body = true;              // false: the model is in the URL (Vertex)
  std::string body_version;               // `anthropic_version` in the body; "" = none
  bool api_key_header = true;             // `x-api-key: KEY`; false: a bearer token is added later
  std::string header_version = kApiVersion;  // `anthropic-version` header; "" = none
};

// Where one deployment's requests go: `chat_url` for Complete, `stream_url` for Stream
// (the same URL on the direct API), `models_url` for probe = "models" ("" = none).
struct AnthropicUrls {
  std::string chat;
  std::string stream;
  std::string models;
};

class AnthropicProtocol final : public Protocol {
 public:
  // Headers: Content-Type, then x-api-key / anthropic-version as `options` say, then the
  // deployment's extra headers (which may replace them). `clock` must outlive the protocol
  // (it stamps `created` on answers and chunks).
  AnthropicProtocol(const DeploymentConfig& dep, AnthropicUrls urls, AnthropicOptions options,
                    const Clock& clock);

  net::Request BuildChat(const ChatRequest& req, bool stream) const override;
  Result<ChatResponse> ParseChat(std::string_view body) const override;
  Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                     WallTime now) const override;
  std::unique_ptr<detour::StreamTranslator> NewStream(const ChatRequest& req,
                                                      const ChunkSink& sink) const override;
  std::optional<net::Request> BuildModels() const override;
  const std::string& model() const override { return model_; }
  std::string_view secret() const override { return secret_; }

 private:
  int64_t Created() const;

  const AnthropicUrls urls_;
  net::Headers headers_;
  const bool tls_verify_;
  const std::string model_;
  const std::string secret_;
  const BodyOptions body_;
  const Clock& clock_;
};

// provider = "anthropic": api_base is the host root (SPEC 8), e.g. https://api.anthropic.com.
std::unique_ptr<Provider> MakeAnthropicProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                                Clock& clock);

}  // namespace detour::anthropic
