#include "config/env_expand.h"

#include <cctype>

namespace detour {
namespace {

constexpr std::string_view kLiteLLMPrefix = "os.environ/";
// The text itself is not quoted back: it may be a secret pasted in the wrong place.
constexpr const char* kBadName =
    "malformed environment reference: a variable name is letters, digits and _ "
    "(write ${NAME}, ${NAME:-default} or os.environ/NAME)";

bool ValidName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::optional<std::string> Lookup(const std::string& name, const EnvLookup& env) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// Expands one "${...}" body (without the braces) into `out`.
void ExpandReference(std::string_view body, const EnvLookup& env, Expansion& out) {
  size_t sep = body.find(":-");
  std::string name(body.substr(0, sep));
  if (!ValidName(name)) {
    out.malformed = kBadName;
    return;
  }
  if (auto v = Lookup(name, env)) {
    out.value += *v;
  } else if (sep != std::string_view::npos) {
    out.value += body.substr(sep + 2);
  } else {
    out.missing.push_back(name);
  }
}

}  // namespace

Expansion ExpandEnv(std::string_view text, const EnvLookup& env) {
  Expansion out;
  if (text.substr(0, kLiteLLMPrefix.size()) == kLiteLLMPrefix) {
    std::string name(text.substr(kLiteLLMPrefix.size()));
    if (!ValidName(name)) {
      out.malformed = kBadName;
    } else if (auto v = Lookup(name, env)) {
      out.value = *v;
    } else {
      out.missing.push_back(name);
    }
    return out;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find("${", pos);
    if (start == std::string_view::npos) break;
    out.value += text.substr(pos, start - pos);
    size_t end = text.find('}', start + 2);
    if (end == std::string_view::npos) {
      out.malformed = "unterminated \"${\" (write ${NAME} or ${NAME:-default})";
      return out;
    }
    ExpandReference(text.substr(start + 2, end - start - 2), env, out);
    pos = end + 1;
  }
  if (pos < text.size()) out.value += text.substr(pos);
  return out;
}

}  // namespace detour
