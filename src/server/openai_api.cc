#include "server/openai_api.h"

#include "util/json_guard.h"

#include <algorithm>
#include <climits>
#include <cctype>
#include <cmath>
#include <cstdint>

namespace detour {
namespace {

// The longest `timeout` override taken as given (~31 years): request_timeout bounds every
// walk, so more narrows nothing.
constexpr double kMaxTimeoutSeconds = 1e9;


std::optional<ApiError> CheckMessages(const Json& body) {
  auto it = body.find("messages");
  if (it == body.end()) return Invalid("messages", "missing required field `messages`");
  if (!it->is_array()) return Invalid("messages", "`messages` must be an array");
  if (it->empty()) return Invalid("messages", "`messages` must not be empty");
  for (size_t i = 0; i < it->size(); i++) {
    const Json& m = (*it)[i];
    std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return Invalid(at, "`" + at + "` must be an object");
    auto role = m.find("role");
    if (role == m.end() || !role->is_string())
      return Invalid(at + ".role", "`" + at + ".role` must be a string");
  }
  return std::nullopt;
}

// Fields whose type detour checks because it reads them; everything else passes through.
std::optional<ApiError> CheckTypes(const Json& body) {
  auto wrong = [&](const char* key, bool (Json::*is)() const noexcept, const char* what) {
    auto it = body.find(key);
    if (it != body.end() && !it->is_null() && !((*it).*is)())
      return std::optional<ApiError>(Invalid(key, std::string("`") + key + "` must be " + what));
    return std::optional<ApiError>();
  };
  if (auto e = wrong("stream", &Json::is_boolean, "a boolean")) return e;
  if (auto e = wrong("stream_options", &Json::is_object, "an object")) return e;
  if (auto e = wrong("max_tokens", &Json::is_number_integer, "an integer")) return e;
  if (auto e = wrong("max_completion_tokens", &Json::is_number_integer, "an integer")) return e;
  if (auto e = wrong("temperature", &Json::is_number, "a number")) return e;
  if (auto e = wrong("top_p", &Json::is_number, "a number")) return e;
  if (auto e = wrong("n", &Json::is_number_integer, "an integer")) return e;
  if (auto e = wrong("num_retries", &Json::is_number_integer, "an integer")) return e;
  if (auto e = wrong("timeout", &Json::is_number, "a number of seconds")) return e;
  if (auto e = wrong("fallbacks", &Json::is_array, "an array of model names")) return e;
  return std::nullopt;
}

}  // namespace

std::optional<Millis> TimeoutFromSeconds(double s) {
  if (!(s > 0) || !std::isfinite(s)) return std::nullopt;
  // Clamped before the conversion: 1e300 s would overflow int64 milliseconds (undefined
  // behaviour), and a timeout that long narrows nothing anyway.
  return Millis(static_cast<int64_t>(std::ceil(std::min(s, kMaxTimeoutSeconds) * 1000)));
}

ApiError Invalid(std::string param, std::string message) {
  ApiError e;
  e.param = std::move(param);
  e.message = std::move(message);
  return e;
}

std::optional<ApiError> TakeOverrides(Json& body, RequestOverrides& o) {
  if (auto it = body.find("fallbacks"); it != body.end()) {
    if (!it->is_null()) {
      std::vector<std::string> groups;
      for (const auto& g : *it) {
        if (!g.is_string()) return Invalid("fallbacks", "`fallbacks` must be an array of model names");
        groups.push_back(g.get<std::string>());
      }
      o.fallbacks = std::move(groups);
    }
    body.erase(it);
  }
  if (auto it = body.find("num_retries"); it != body.end()) {
    if (!it->is_null()) {
      // Read wide, then clamped: get<int>() would wrap 4294967296 to 0 retries.
      if (!it->is_number_unsigned() && it->get<int64_t>() < 0)
        return Invalid("num_retries", "`num_retries` must not be negative");
      o.num_retries = static_cast<int>(std::min<uint64_t>(it->get<uint64_t>(), INT_MAX));
    }
    body.erase(it);
  }
  if (auto it = body.find("timeout"); it != body.end()) {
    if (!it->is_null()) {
      o.timeout = TimeoutFromSeconds(it->get<double>());
      if (!o.timeout) return Invalid("timeout", "`timeout` must be a positive number of seconds");
    }
    body.erase(it);
  }
  return std::nullopt;
}

Expected<ChatRequest, ApiError> ParseChatRequest(std::string_view text) {
  if (auto fast = ParseChatRequestFast(text)) return std::move(*fast);
  ChatRequest req;
  if (!JsonNestingWithin(text))
    return Fail(Invalid("", "the request body nests arrays/objects deeper than " +
                                std::to_string(kMaxJsonDepth) + " levels"));
  req.body = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (req.body.is_discarded())
    return Fail(Invalid("", "the request body is not valid JSON"));
  if (!req.body.is_object()) return Fail(Invalid("", "the request body must be a JSON object"));
  auto model = req.body.find("model");
  if (model == req.body.end()) return Fail(Invalid("model", "missing required field `model`"));
  if (!model->is_string()) return Fail(Invalid("model", "`model` must be a string"));
  req.model = model->get<std::string>();
  if (auto e = CheckMessages(req.body)) return Fail(*e);
  if (auto e = CheckTypes(req.body)) return Fail(*e);
  if (auto e = TakeOverrides(req.body, req.overrides)) return Fail(*e);
  auto stream = req.body.find("stream");
  req.stream = stream != req.body.end() && stream->is_boolean() && stream->get<bool>();
  if (auto so = req.body.find("stream_options"); so != req.body.end() && so->is_object()) {
    auto usage = so->find("include_usage");
    req.client_wants_usage = usage != so->end() && usage->is_boolean() && usage->get<bool>();
  }
  return req;
}

CacheDirective ParseCacheDirective(std::string_view header) {
  CacheDirective d = CacheDirective::kNormal;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string token;
    for (char c : header.substr(0, comma))
      if (c != ' ' && c != '\t') token += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (token == "no-store") d = CacheDirective::kNoStore;
    else if (token == "no-cache" && d == CacheDirective::kNormal) d = CacheDirective::kNoCache;
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
  }
  return d;
}

Json ModelsList(const RouteTable& table) {
  Json data = Json::array();
  for (const auto& g : table.groups())
    data.push_back({{"id", g.name}, {"object", "model"}, {"created", 0}, {"owned_by", "detour"}});
  return {{"object", "list"}, {"data", std::move(data)}};
}

}  // namespace detour
