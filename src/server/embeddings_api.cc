// POST /v1/embeddings request parsing (declared in server/openai_api.h).
#include "server/openai_api.h"
#include "util/json_guard.h"

namespace detour {
namespace {

bool IsTokenArray(const Json& v) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const Json& t) { return t.is_number_integer(); });
}

// A string, a non-empty array of strings, a token array, or an array of token arrays.
bool ValidInput(const Json& input) {
  if (input.is_string()) return true;
  if (!input.is_array() || input.empty()) return false;
  if (IsTokenArray(input)) return true;
  return std::all_of(input.begin(), input.end(), [](const Json& v) { return v.is_string() || IsTokenArray(v); });
}

std::optional<ApiError> CheckOverrideTypes(const Json& body) {
  if (body.contains("fallbacks") && !body["fallbacks"].is_null() && !body["fallbacks"].is_array())
    return Invalid("fallbacks", "`fallbacks` must be an array of model names");
  if (body.contains("num_retries") && !body["num_retries"].is_null() && !body["num_retries"].is_number_integer())
    return Invalid("num_retries", "`num_retries` must be an integer");
  if (body.contains("timeout") && !body["timeout"].is_null() && !body["timeout"].is_number())
    return Invalid("timeout", "`timeout` must be a number of seconds");
  return std::nullopt;
}

}  // namespace

Expected<EmbeddingRequest, ApiError> ParseEmbeddingRequest(std::string_view text) {
  EmbeddingRequest req;
  req.body = ParseJsonBounded(text);
  if (req.body.is_discarded()) return Fail(Invalid("", "the request body is not valid JSON (or nests too deep)"));
  if (!req.body.is_object()) return Fail(Invalid("", "the request body must be a JSON object"));
  auto model = req.body.find("model");
  if (model == req.body.end()) return Fail(Invalid("model", "missing required field `model`"));
  if (!model->is_string()) return Fail(Invalid("model", "`model` must be a string"));
  req.model = model->get<std::string>();
  auto input = req.body.find("input");
  if (input == req.body.end()) return Fail(Invalid("input", "missing required field `input`"));
  if (!ValidInput(*input))
    return Fail(Invalid("input", "`input` must be a string, an array of strings, or an array of token arrays"));
  if (auto e = CheckOverrideTypes(req.body)) return Fail(*e);
  if (auto e = TakeOverrides(req.body, req.overrides)) return Fail(*e);
  return req;
}

}  // namespace detour
