// The OpenAI family's Protocol: OpenAI, OpenAI-compatible servers and Azure OpenAI, which
// differ only in URL and auth header (the Endpoint). Conversion lives in wire.h,
// classification in classify.h, stream state in stream_reader.h; the attempt itself is
// the shared HttpProvider's (providers/http_provider.h).
// Thread-safe: immutable after construction.
#pragma once

#include <memory>

#include "providers/endpoint.h"
#include "providers/protocol.h"
#include "providers/provider.h"

namespace detour::openai {

class FamilyProtocol final : public Protocol {
 public:
  // `models_url`: the model list for probe = "models"; `embed_url`: the embeddings
  // endpoint ("" when there is none).
  FamilyProtocol(Endpoint endpoint, std::string models_url, std::string embed_url = "")
      : endpoint_(std::move(endpoint)), models_url_(std::move(models_url)), embed_url_(std::move(embed_url)) {}

  net::Request BuildChat(const ChatRequest& req, bool stream) const override;
  Result<ChatResponse> ParseChat(std::string_view body) const override;
  Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                     WallTime now) const override;
  std::unique_ptr<StreamTranslator> NewStream(const ChatRequest& req,
                                              const ChunkSink& sink) const override;
  std::optional<net::Request> BuildModels() const override;
  std::optional<net::Request> BuildEmbed(const EmbeddingRequest& req) const override;
  Result<EmbeddingResponse> ParseEmbed(std::string_view body) const override;
  const std::string& model() const override { return endpoint_.model; }
  std::string_view secret() const override { return endpoint_.secret; }

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  const Endpoint endpoint_;
  const std::string models_url_;
  const std::string embed_url_;
};

// The headers every OpenAI-family request carries: JSON content type, then `auth_header`
// with `auth_value` (omitted when empty), then the deployment's extra headers.
net::Headers FamilyHeaders(const DeploymentConfig& dep, const std::string& auth_header,
                           const std::string& auth_value);

// openai and openai-compatible: POST {api_base}/chat/completions, `Authorization: Bearer`
// (omitted without a key), then the deployment's extra headers; models at {api_base}/models.
std::unique_ptr<Provider> MakeOpenAIProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                             Clock& clock);

}  // namespace detour::openai
