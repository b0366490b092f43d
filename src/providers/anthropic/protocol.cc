#include <chrono>

#include "providers/anthropic/classify.h"
#include "providers/anthropic/provider.h"
#include "providers/anthropic/stream_translator.h"
#include "providers/endpoint.h"
#include "providers/http_provider.h"

namespace detour::anthropic {

AnthropicProtocol::AnthropicProtocol(const DeploymentConfig& dep, AnthropicUrls urls,
                                     AnthropicOptions options, const Clock& clock)
    : urls_(std::move(urls)),
      tls_verify_(dep.tls_verify),
      model_(dep.model),
      secret_(dep.api_key),
      body_{options.model_in_body, options.body_version},
      clock_(clock) {
  headers_.emplace_back("Content-Type", "application/json");
  if (options.api_key_header && !dep.api_key.empty()) headers_.emplace_back("x-api-key", dep.api_key);
  if (!options.header_version.empty()) headers_.emplace_back("anthropic-version", options.header_version);
  for (const auto& [name, value] : dep.headers) SetHeader(headers_, name, value);
}

int64_t AnthropicProtocol::Created() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
}

net::Request AnthropicProtocol::BuildChat(const ChatRequest& req, bool stream) const {
  net::Request r;
  r.method = "POST";
  r.url = stream ? urls_.stream : urls_.chat;
  r.headers = headers_;
  r.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  r.body = SerializeBody(BuildRequest(RequestJson(req), model_, stream, body_));
  r.tls_verify = tls_verify_;
  return r;
}

Result<ChatResponse> AnthropicProtocol::ParseChat(std::string_view body) const {
  return ParseMessage(body, model_, Created());
}

Error AnthropicProtocol::ClassifyHttp(int status, const net::Headers& headers, std::string_view body,
                                      WallTime now) const {
  return anthropic::ClassifyHttp(status, headers, body, now);
}

std::unique_ptr<detour::StreamTranslator> AnthropicProtocol::NewStream(const ChatRequest&,
                                                                       const ChunkSink& sink) const {
  return std::make_unique<StreamTranslator>(sink, Created(), model_);
}

std::optional<net::Request> AnthropicProtocol::BuildModels() const {
  if (urls_.models.empty()) return std::nullopt;
  net::Request r;
  r.method = "GET";
  r.url = urls_.models;
  for (const auto& h : headers_)
    if (h.first != "Content-Type") r.headers.push_back(h);
  r.tls_verify = tls_verify_;
  return r;
}

std::unique_ptr<Provider> MakeAnthropicProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                                Clock& clock) {
  std::string messages = JoinUrl(dep.api_base, "/v1/messages");
  AnthropicUrls urls{messages, messages, JoinUrl(dep.api_base, "/v1/models")};
  auto protocol = std::make_unique<AnthropicProtocol>(dep, std::move(urls), AnthropicOptions{}, clock);
  return std::make_unique<HttpProvider>(std::move(protocol), http, clock, dep.probe == "models");
}

}  // namespace detour::anthropic
