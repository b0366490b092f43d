// A guard against pathologically nested JSON. Parsing is iterative, but serialising a
// value again (every request body goes upstream as text) recurses once per level, so
// text nested thousands of levels deep would overflow a stack, and a fiber's stack is
// 512 KB. No legitimate request, response or chunk nests anywhere near kMaxJsonDepth.
// Pure; thread-safe.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace detour {

constexpr int kMaxJsonDepth = 128;

// Whether arrays/objects in `text` nest at most `limit` deep (brackets inside strings
// do not count). Stops scanning as soon as the limit is passed.
bool JsonNestingWithin(std::string_view text, int limit = kMaxJsonDepth);

// The member `key` of `obj`, or nullptr when `obj` is not an object or lacks it: the
// exception-free lookup for untrusted JSON.
inline const nlohmann::json* FindField(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// nlohmann::json::parse without exceptions (a discarded value on invalid text) that also
// returns a discarded value for text nested deeper than kMaxJsonDepth.
nlohmann::json ParseJsonBounded(std::string_view text);

}  // namespace detour
