// Error envelopes vary across OpenAI-compatible servers (provider-protocols.md 2.10), so
// extraction tries the known shapes in order and never trusts a field's type.
#include "providers/error_text.h"
#include "util/json_guard.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace detour {
namespace {

constexpr size_t kMaxRawText = 300;

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_null()) return {};
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

int NumericCode(const Json& code) {
  if (code.is_number_integer()) return static_cast<int>(code.get<int64_t>());
  if (!code.is_string()) return 0;
  const std::string& s = code.get_ref<const std::string&>();
  if (s.empty() || s.size() > 3) return 0;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
  return std::atoi(s.c_str());
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

ErrorEnvelope EnvelopeFromError(const Json& error) {
  ErrorEnvelope env;
  if (!error.is_object()) {
    env.message = Text(error);
    return env;
  }
  if (const Json* m = Field(error, "message")) env.message = Text(*m);
  if (const Json* c = Field(error, "code")) {
    env.code = Text(*c);
    env.numeric_code = NumericCode(*c);
  }
  if (const Json* t = Field(error, "type")) env.type = Text(*t);
  if (const Json* p = Field(error, "param")) env.param = Text(*p);
  for (const char* inner : {"innererror", "inner_error"}) {
    if (const Json* in = Field(error, inner))
      if (const Json* c = Field(*in, "code")) env.inner_code = Text(*c);
  }
  return env;
}

ErrorEnvelope ParseEnvelope(std::string_view body) {
  Json doc = ParseJsonBounded(body);
  if (doc.is_array() && !doc.empty()) doc = doc[0];  // Gemini's compat endpoint wraps it
  if (const Json* err = Field(doc, "error")) return EnvelopeFromError(*err);
  if (doc.is_object()) {
    // {"object":"error","message":..,"code":400} (vLLM) or {"detail":..} (FastAPI).
    ErrorEnvelope env = EnvelopeFromError(doc);
    if (env.message.empty())
      if (const Json* d = Field(doc, "detail")) env.message = Text(*d);
    if (!env.message.empty()) return env;
  }
  ErrorEnvelope env;
  env.message = std::string(Trim(body.substr(0, kMaxRawText)));
  return env;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> ParseNonNegative(std::string_view text) {
  std::string s(Trim(text));
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.'))
    return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text) {
  std::string s(Trim(text));
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                             "%a %b %d %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    std::time_t t = timegm(&tm);
    if (t == static_cast<std::time_t>(-1)) continue;
    return std::chrono::system_clock::from_time_t(t);
  }
  return std::nullopt;
}

}  // namespace detour
