#include "providers/vertex/provider.h"

#include "providers/anthropic/vertex_claude.h"
#include "providers/endpoint.h"
#include "providers/gemini/protocol.h"
#include "providers/http_provider.h"
#include "providers/vertex/service_account.h"
#include "util/log.h"

namespace detour::vertex {
namespace {

// A credentials file that cannot be used: every attempt fails as auth, saying why.
class BrokenCredentials final : public TokenSource {
 public:
  explicit BrokenCredentials(std::string why) : why_(std::move(why)) {}
  Result<std::string> Token(const AttemptLimits&) override { return Fail(MakeError(ErrorKind::kAuth, why_)); }

 private:
  const std::string why_;
};

// Model ids may carry a version ("claude-sonnet-4@20250514"): keep the '@' readable.
std::string ModelPath(const std::string& model) {
  std::string encoded = PercentEncode(model), out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "%40") == 0) {
      out.push_back('@');
      i += 2;
    } else {
      out.push_back(encoded[i]);
    }
  }
  return out;
}

std::unique_ptr<Protocol> GeminiOnVertex(const DeploymentConfig& dep, const VertexUrls& urls, Clock& clock) {
  gemini::GeminiEndpoint ep;
  ep.chat_url = urls.chat;
  ep.stream_url = urls.stream;
  ep.headers = gemini::GeminiHeaders(dep, "", "");  // the bearer token is the attempt's
  ep.tls_verify = dep.tls_verify;
  ep.model = dep.model;
  return std::make_unique<gemini::GeminiProtocol>(std::move(ep), clock);
}

}  // namespace

bool IsClaudeModel(const std::string& model) { return model.rfind("claude-", 0) == 0; }

VertexUrls UrlsFor(const DeploymentConfig& dep) {
  std::string base = JoinUrl(dep.api_base, "/v1/projects/" + dep.project + "/locations/" + dep.location +
                                               "/publishers/");
  if (IsClaudeModel(dep.model)) {
    base += "anthropic/models/" + ModelPath(dep.model);
    return {base + ":rawPredict", base + ":streamRawPredict"};
  }
  base += "google/models/" + ModelPath(dep.model);
  return {base + ":generateContent", base + ":streamGenerateContent?alt=sse"};
}

net::Request VertexProtocol::BuildChat(const ChatRequest& req, bool stream) const {
  net::Request r = inner_->BuildChat(req, stream);
  r.url = stream ? urls_.stream : urls_.chat;
  return r;
}

Error VertexProtocol::ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                                   WallTime now) const {
  if (status == 401 && on_unauthorized_) on_unauthorized_();
  return inner_->ClassifyHttp(status, headers, body, now);
}

std::unique_ptr<Provider> MakeVertexProviderWith(const DeploymentConfig& dep, net::HttpClient& http,
                                                 Clock& clock, std::shared_ptr<TokenSource> tokens,
                                                 std::function<void()> on_unauthorized) {
  VertexUrls urls = UrlsFor(dep);
  std::unique_ptr<Protocol> inner;
  // Claude models speak Anthropic's Messages protocol (rawPredict), Gemini models Gemini's;
  // VertexProtocol sends streams to urls.stream either way.
  if (IsClaudeModel(dep.model)) inner = anthropic::MakeVertexClaudeProtocol(dep, urls.chat, clock);
  else inner = GeminiOnVertex(dep, urls, clock);
  auto protocol = std::make_unique<VertexProtocol>(std::move(inner), std::move(urls), std::move(on_unauthorized));
  // No model list on Vertex's v1 surface for a deployment: probe = "models" probes by chat.
  return std::make_unique<HttpProvider>(std::move(protocol), http, clock, false, std::move(tokens));
}

std::unique_ptr<Provider> MakeVertexProvider(const DeploymentConfig& dep, net::HttpClient& http, Clock& clock) {
  if (dep.credentials.empty())  // unusable anyway (config set missing_env): nothing to log
    return MakeVertexProviderWith(dep, http, clock, std::make_shared<BrokenCredentials>(
                                                        "no service-account credentials for Vertex"));
  auto account = LoadServiceAccount(dep.credentials);
  if (!account) {
    log::Warn("deployment " + dep.id + ": " + account.error());
    return MakeVertexProviderWith(dep, http, clock, std::make_shared<BrokenCredentials>(account.error()));
  }
  auto tokens = std::make_shared<ServiceAccountTokens>(std::move(*account), http, clock);
  std::weak_ptr<ServiceAccountTokens> weak = tokens;
  auto on_unauthorized = [weak] {
    if (auto t = weak.lock()) t->Invalidate();
  };
  return MakeVertexProviderWith(dep, http, clock, std::move(tokens), on_unauthorized);
}

}  // namespace detour::vertex
