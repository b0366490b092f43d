#include "core/context_window.h"

#include <string>
#include <utility>

namespace detour {
namespace {

// Text bytes of one message's content: a string, or the text of its parts. Images and
// audio count nothing (in the request's favour).
size_t ContentBytes(const Json& content) {
  if (content.is_string()) return content.get_ref<const std::string&>().size();
  size_t n = 0;
  if (content.is_array())
    for (const Json& part : content)
      if (part.is_object())
        if (auto it = part.find("text"); it != part.end() && it->is_string())
          n += it->get_ref<const std::string&>().size();
  return n;
}

size_t MessageBytes(const Json& m) {
  if (!m.is_object()) return 0;
  size_t n = 0;
  if (auto it = m.find("content"); it != m.end()) n += ContentBytes(*it);
  if (auto it = m.find("tool_calls"); it != m.end() && it->is_array())
    for (const Json& call : *it)
      if (call.is_object())
        if (auto fn = call.find("function"); fn != call.end() && fn->is_object())
          if (auto args = fn->find("arguments"); args != fn->end() && args->is_string())
            n += args->get_ref<const std::string&>().size();
  return n;
}

// Context windows in tokens, from each provider's model documentation (OpenAI's models
// page, Anthropic's models overview, Google's Gemini models page). Prefixes: a dated or
// suffixed model id takes its family's figure.
const std::pair<const char*, int64_t> kKnown[] = {
    {"gpt-3.5-turbo", 16385},
    {"gpt-4-turbo", 128000},
    {"gpt-4o", 128000},
    {"gpt-4o-mini", 128000},
    {"gpt-4.1", 1047576},
    {"gpt-5", 400000},
    {"o1", 200000},
    {"o1-mini", 128000},
    {"o3", 200000},
    {"o3-mini", 200000},
    {"o4-mini", 200000},
    {"claude-3-haiku", 200000},
    {"claude-3-opus", 200000},
    {"claude-3-5-haiku", 200000},
    {"claude-3-5-sonnet", 200000},
    {"claude-3-7-sonnet", 200000},
    {"claude-sonnet-4", 200000},
    {"claude-opus-4", 200000},
    {"claude-haiku-4", 200000},
    {"gemini-1.5-flash", 1048576},
    {"gemini-1.5-pro", 2097152},
    {"gemini-2.0-flash", 1048576},
    {"gemini-2.5-flash", 1048576},
    {"gemini-2.5-pro", 1048576},
};

}  // namespace

int64_t EstimatePromptTokens(const Json& body) {
  if (!body.is_object()) return 0;
  size_t bytes = 0;
  if (auto it = body.find("messages"); it != body.end() && it->is_array())
    for (const Json& m : *it) bytes += MessageBytes(m);
  if (auto it = body.find("tools"); it != body.end() && it->is_array())
    bytes += it->dump(-1, ' ', false, Json::error_handler_t::replace).size();
  return static_cast<int64_t>((bytes + 3) / 4);
}

int64_t KnownContextWindow(std::string_view model) {
  size_t best_len = 0;
  int64_t best = 0;
  for (const auto& [prefix, window] : kKnown) {
    std::string_view p(prefix);
    if (model.substr(0, p.size()) == p && p.size() > best_len) best_len = p.size(), best = window;
  }
  return best;
}

bool ClearlyExceeds(int64_t estimate, int64_t window) {
  return window > 0 && estimate > window + window / 10;
}

}  // namespace detour
