// Gemini's generateContent format as a Protocol: conversion in wire.h, classification in
// classify.h, stream state in stream.h; the attempt itself is the shared HttpProvider's.
// The same Protocol serves the Gemini API (x-goog-api-key) and Gemini models on Vertex
// (vertex/provider.h: other URLs, an OAuth token instead of a key).
// Thread-safe: immutable after construction.
#pragma once

#include <memory>
#include <string>

#include "providers/protocol.h"
#include "providers/provider.h"

namespace detour::gemini {

struct GeminiEndpoint {
  std::string chat_url;    // ...:generateContent
  std::string stream_url;  // ...:streamGenerateContent?alt=sse (SSE, not a JSON array)
  std::string models_url;  // the model list for probe = "models"; "" when there is none
  std::string embed_url;   // ...:batchEmbedContents; "" when embeddings are not served
  net::Headers headers;    // content type, the key header (if any), the deployment's extras
  bool tls_verify = true;
  std::string model;       // the answer's model when the upstream names no modelVersion
  std::string secret;      // the API key, only to redact it from error texts ("" on Vertex)
};

class GeminiProtocol final : public Protocol {
 public:
  // `clock` (the chunks' and answers' `created` stamp) must outlive the protocol.
  GeminiProtocol(GeminiEndpoint endpoint, Clock& clock) : ep_(std::move(endpoint)), clock_(clock) {}

  net::Request BuildChat(const ChatRequest& req, bool stream) const override;
  Result<ChatResponse> ParseChat(std::string_view body) const override;
  Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                     WallTime now) const override;
  std::unique_ptr<StreamTranslator> NewStream(const ChatRequest& req,
                                              const ChunkSink& sink) const override;
  std::optional<net::Request> BuildModels() const override;
  // OpenAI embeddings <-> batchEmbedContents (embeddings.cc).
  std::optional<net::Request> BuildEmbed(const EmbeddingRequest& req) const override;
  Result<EmbeddingResponse> ParseEmbed(std::string_view body) const override;
  const std::string& model() const override { return ep_.model; }
  std::string_view secret() const override { return ep_.secret; }

 private:
  int64_t Created() const;
  const GeminiEndpoint ep_;
  Clock& clock_;
};

// JSON content type, then `auth_header: auth_value` (omitted when the value is empty),
// then the deployment's extra headers.
net::Headers GeminiHeaders(const DeploymentConfig& dep, const std::string& auth_header,
                           const std::string& auth_value);

// A model id as a URL path segment ("models/gemini-x" is accepted as "gemini-x").
std::string ModelSegment(std::string_view model);

// gemini: POST {api_base}/v1beta/models/{model}:generateContent and
// :streamGenerateContent?alt=sse with `x-goog-api-key` (never the key in the URL); the
// model list at GET {api_base}/v1beta/models.
std::unique_ptr<Provider> MakeGeminiProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                             Clock& clock);

}  // namespace detour::gemini
