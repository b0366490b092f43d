// Vertex AI (SPEC 2.3, provider-protocols.md 8b): Google's models and Anthropic's behind
// one Google Cloud project, with OAuth instead of API keys. The deployment names
// `project`, `location` (the host: {location}-aiplatform.googleapis.com, or
// aiplatform.googleapis.com for "global"; api_base overrides it) and `credentials` (a
// service-account JSON; vertex/service_account.h mints its tokens).
//   model "gemini-..." (any non-Claude model): the Gemini format (gemini/protocol.h) at
//     {host}/v1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent
//     and :streamGenerateContent?alt=sse;
//   model "claude-...": Anthropic's Messages format at .../publishers/anthropic/models/
//     {model}:rawPredict and :streamRawPredict (anthropic/vertex_claude.h: the model in the
//     URL, anthropic_version in the body).
// The attempt is the shared HttpProvider's, with the token source for `Authorization`.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "providers/protocol.h"
#include "providers/provider.h"
#include "providers/token_source.h"

namespace detour::vertex {

// The two endpoints of one model: non-stream and stream.
struct VertexUrls {
  std::string chat;
  std::string stream;
};

bool IsClaudeModel(const std::string& model);
// {api_base}/v1/projects/{project}/locations/{location}/publishers/{google|anthropic}/models/{model}
// with the method suffixes for the model's family.
VertexUrls UrlsFor(const DeploymentConfig& dep);

// Any model family's Protocol on Vertex: sends non-stream requests to urls.chat and
// streams to urls.stream, whatever URL the inner Protocol was built with (so the Claude
// protocol needs only one), and calls `on_unauthorized` on a 401 (the cached token was
// refused: the next attempt mints another). Thread-safe like the inner Protocol.
class VertexProtocol final : public Protocol {
 public:
  VertexProtocol(std::unique_ptr<Protocol> inner, VertexUrls urls, std::function<void()> on_unauthorized)
      : inner_(std::move(inner)), urls_(std::move(urls)), on_unauthorized_(std::move(on_unauthorized)) {}

  net::Request BuildChat(const ChatRequest& req, bool stream) const override;
  Result<ChatResponse> ParseChat(std::string_view body) const override { return inner_->ParseChat(body); }
  Error ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                     WallTime now) const override;
  std::unique_ptr<StreamTranslator> NewStream(const ChatRequest& req, const ChunkSink& sink) const override {
    return inner_->NewStream(req, sink);
  }
  const std::string& model() const override { return inner_->model(); }
  std::string_view secret() const override { return inner_->secret(); }

 private:
  std::unique_ptr<Protocol> inner_;
  const VertexUrls urls_;
  const std::function<void()> on_unauthorized_;
};

// With a given token source (tests pass a fixed one): gemini-* models speak Gemini's protocol,
// claude-* models Anthropic's.
std::unique_ptr<Provider> MakeVertexProviderWith(const DeploymentConfig& dep, net::HttpClient& http,
                                                 Clock& clock, std::shared_ptr<TokenSource> tokens,
                                                 std::function<void()> on_unauthorized = {});

// The registry's factory: tokens from dep.credentials. A credentials file that cannot be
// used (unreadable, not a service account, a bad key) still gives a provider, whose every
// attempt fails as auth naming the file and the problem (logged once here too).
std::unique_ptr<Provider> MakeVertexProvider(const DeploymentConfig& dep, net::HttpClient& http, Clock& clock);

}  // namespace detour::vertex
