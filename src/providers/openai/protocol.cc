#include "providers/classify.h"
#include "providers/http_provider.h"
#include "providers/openai/provider.h"
#include "providers/openai/fast_wire.h"
#include "providers/openai/stream_reader.h"
#include "providers/openai/wire.h"

namespace detour::openai {

net::Request FamilyProtocol::BuildChat(const ChatRequest& req, bool stream) const {
  net::Request r;
  r.method = "POST";
  r.url = endpoint_.url;
  r.headers.reserve(endpoint_.headers.size() + 1);  // one allocation for the Accept below too
  r.headers.assign(endpoint_.headers.begin(), endpoint_.headers.end());
  r.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  // The client's bytes spliced when serve's fast path kept them (same protocol), else the DOM.
  r.body = req.raw ? SpliceBody(*req.raw, endpoint_.model, stream)
                   : SerializeBody(BuildBody(req, endpoint_.model, stream));
  r.tls_verify = endpoint_.tls_verify;
  return r;
}

Result<ChatResponse> FamilyProtocol::ParseChat(std::string_view body) const {
  if (auto fast = ScanCompletion(body, endpoint_.model)) return std::move(*fast);
  return ParseCompletion(body, endpoint_.model);
}

Error FamilyProtocol::ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                                   WallTime now) const {
  return ClassifyHttpError(status, headers, body, now);
}

std::unique_ptr<StreamTranslator> FamilyProtocol::NewStream(const ChatRequest& req,
                                                            const ChunkSink& sink) const {
  return std::make_unique<StreamReader>(sink, ChoiceCount(req));
}

std::optional<net::Request> FamilyProtocol::BuildModels() const {
  if (models_url_.empty()) return std::nullopt;
  net::Request r;
  r.method = "GET";
  r.url = models_url_;
  for (const auto& h : endpoint_.headers)
    if (h.first != "Content-Type") r.headers.push_back(h);
  r.tls_verify = endpoint_.tls_verify;
  return r;
}

std::optional<net::Request> FamilyProtocol::BuildEmbed(const EmbeddingRequest& req) const {
  if (embed_url_.empty()) return std::nullopt;
  net::Request r;
  r.method = "POST";
  r.url = embed_url_;
  r.headers = endpoint_.headers;
  Json body = req.body;
  body["model"] = endpoint_.model;
  r.body = body.dump();
  r.tls_verify = endpoint_.tls_verify;
  return r;
}

Result<EmbeddingResponse> FamilyProtocol::ParseEmbed(std::string_view body) const {
  return ParseEmbeddings(body, endpoint_.model);
}

net::Headers FamilyHeaders(const DeploymentConfig& dep, const std::string& auth_header,
                           const std::string& auth_value) {
  net::Headers headers;
  headers.emplace_back("Content-Type", "application/json");
  if (!auth_value.empty()) headers.emplace_back(auth_header, auth_value);
  for (const auto& [name, value] : dep.headers) SetHeader(headers, name, value);
  return headers;
}

std::unique_ptr<Provider> MakeOpenAIProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                             Clock& clock) {
  Endpoint ep;
  ep.url = JoinUrl(dep.api_base, "/chat/completions");
  ep.headers = FamilyHeaders(dep, "Authorization", dep.api_key.empty() ? "" : "Bearer " + dep.api_key);
  ep.tls_verify = dep.tls_verify;
  ep.model = dep.model;
  ep.secret = dep.api_key;
  auto protocol = std::make_unique<FamilyProtocol>(std::move(ep), JoinUrl(dep.api_base, "/models"),
                                                   JoinUrl(dep.api_base, "/embeddings"));
  return std::make_unique<HttpProvider>(std::move(protocol), http, clock, dep.probe == "models");
}

}  // namespace detour::openai
