#include "providers/gemini/protocol.h"

#include "providers/endpoint.h"
#include "providers/gemini/classify.h"
#include "providers/gemini/stream.h"
#include "providers/gemini/wire.h"
#include "providers/http_provider.h"
#include "providers/openai/wire.h"

namespace detour::gemini {

net::Request GeminiProtocol::BuildChat(const ChatRequest& req, bool stream) const {
  net::Request r;
  r.method = "POST";
  r.url = stream ? ep_.stream_url : ep_.chat_url;
  r.headers = ep_.headers;
  r.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  r.body = openai::SerializeBody(BuildBody(RequestJson(req)));
  r.tls_verify = ep_.tls_verify;
  return r;
}

Result<ChatResponse> GeminiProtocol::ParseChat(std::string_view body) const {
  return ParseResponse(body, ep_.model, Created());
}

Error GeminiProtocol::ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                                   WallTime now) const {
  return gemini::ClassifyHttp(status, headers, body, now);
}

std::unique_ptr<StreamTranslator> GeminiProtocol::NewStream(const ChatRequest& req,
                                                            const ChunkSink& sink) const {
  return std::make_unique<StreamReader>(sink, openai::ChoiceCount(req), Created(), ep_.model);
}

std::optional<net::Request> GeminiProtocol::BuildModels() const {
  if (ep_.models_url.empty()) return std::nullopt;
  net::Request r;
  r.method = "GET";
  r.url = ep_.models_url;
  for (const auto& h : ep_.headers)
    if (h.first != "Content-Type") r.headers.push_back(h);
  r.tls_verify = ep_.tls_verify;
  return r;
}

int64_t GeminiProtocol::Created() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
}

net::Headers GeminiHeaders(const DeploymentConfig& dep, const std::string& auth_header,
                           const std::string& auth_value) {
  net::Headers headers;
  headers.emplace_back("Content-Type", "application/json");
  if (!auth_value.empty()) headers.emplace_back(auth_header, auth_value);
  for (const auto& [name, value] : dep.headers) SetHeader(headers, name, value);
  return headers;
}

std::string ModelSegment(std::string_view model) {
  if (model.rfind("models/", 0) == 0) model.remove_prefix(7);
  return PercentEncode(model);
}

std::unique_ptr<Provider> MakeGeminiProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                             Clock& clock) {
  GeminiEndpoint ep;
  std::string base = JoinUrl(dep.api_base, "/v1beta/models/" + ModelSegment(dep.model));
  ep.chat_url = base + ":generateContent";
  ep.stream_url = base + ":streamGenerateContent?alt=sse";
  ep.models_url = JoinUrl(dep.api_base, "/v1beta/models");
  ep.embed_url = base + ":batchEmbedContents";
  ep.headers = GeminiHeaders(dep, "x-goog-api-key", dep.api_key);
  ep.tls_verify = dep.tls_verify;
  ep.model = dep.model;
  ep.secret = dep.api_key;
  auto protocol = std::make_unique<GeminiProtocol>(std::move(ep), clock);
  return std::make_unique<HttpProvider>(std::move(protocol), http, clock, dep.probe == "models");
}

}  // namespace detour::gemini
