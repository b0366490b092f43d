// OpenAI's /v1/embeddings on Gemini: `input` (a string or strings) becomes one
// batchEmbedContents request per text, `dimensions` becomes outputDimensionality; the
// answer's embeddings[i].values become OpenAI's data[i].embedding. Gemini reports no
// token counts for embeddings, so usage stays zero. Token-array inputs are refused as a
// bad request (Gemini embeds text only).
#include "providers/gemini/protocol.h"
#include "util/json_guard.h"

namespace detour::gemini {
namespace {

// The texts to embed, in order; nullopt when `input` holds token arrays.
std::optional<std::vector<std::string>> Texts(const Json& input) {
  std::vector<std::string> out;
  if (input.is_string()) return std::vector<std::string>{input.get<std::string>()};
  if (!input.is_array()) return std::nullopt;
  for (const Json& v : input) {
    if (!v.is_string()) return std::nullopt;
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::optional<net::Request> GeminiProtocol::BuildEmbed(const EmbeddingRequest& req) const {
  if (ep_.embed_url.empty()) return std::nullopt;
  Json requests = Json::array();
  auto texts = Texts(req.body.value("input", Json()));
  for (const auto& text : texts.value_or(std::vector<std::string>{})) {
    Json one = {{"model", "models/" + ModelSegment(ep_.model)}, {"content", {{"parts", Json::array({{{"text", text}}})}}}};
    if (const Json* dims = FindField(req.body, "dimensions"); dims && dims->is_number_integer())
      one["outputDimensionality"] = *dims;
    requests.push_back(std::move(one));
  }
  net::Request r;
  r.method = "POST";
  r.url = ep_.embed_url;
  r.headers = ep_.headers;
  // Token arrays cannot be sent: an empty batch makes Gemini answer 400, a bad request.
  r.body = Json{{"requests", std::move(requests)}}.dump();
  r.tls_verify = ep_.tls_verify;
  return r;
}

Result<EmbeddingResponse> GeminiProtocol::ParseEmbed(std::string_view body) const {
  Json doc = ParseJsonBounded(body);
  const Json* embeddings = FindField(doc, "embeddings");
  if (!embeddings || !embeddings->is_array())
    return Fail(MakeError(ErrorKind::kConnection, "malformed embeddings response from upstream", 200));
  Json data = Json::array();
  for (size_t i = 0; i < embeddings->size(); ++i) {
    const Json* values = FindField((*embeddings)[i], "values");
    if (!values || !values->is_array())
      return Fail(MakeError(ErrorKind::kConnection, "malformed embeddings response from upstream: no values", 200));
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", *values}});
  }
  EmbeddingResponse out;
  out.model = ep_.model;
  out.body = {{"object", "list"}, {"data", std::move(data)}, {"model", ep_.model},
              {"usage", {{"prompt_tokens", 0}, {"total_tokens", 0}}}};
  return out;
}

}  // namespace detour::gemini
