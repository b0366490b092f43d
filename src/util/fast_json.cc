#include "util/fast_json.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace detour::fastjson {
namespace {

// A parser keeps buffers sized for the largest document it has read; past this it is
// replaced by a fresh one at the next small document, so one 10 MB body does not pin
// 10 MB (times the tape) per scheduler thread for the life of the process.
constexpr size_t kKeepCapacity = 1 << 20;
constexpr size_t kInitialCapacity = 16 << 10;

std::unique_ptr<simdjson::dom::parser> NewParser() {
  auto p = std::make_unique<simdjson::dom::parser>();
  // The depth limit is set here and kept when the parser grows (ensure_capacity).
  if (p->allocate(kInitialCapacity, kFastMaxDepth) != simdjson::SUCCESS) return nullptr;
  return p;
}

bool Space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view t, size_t i) {
  while (i < t.size() && Space(t[i])) ++i;
  return i;
}

// t[i] is an opening quote; returns the index just past the closing one.
size_t SkipString(std::string_view t, size_t i) {
  ++i;
  while (i < t.size()) {
    const void* hit = std::memchr(t.data() + i, '"', t.size() - i);
    if (hit == nullptr) return t.size();
    size_t q = static_cast<const char*>(hit) - t.data();
    size_t slashes = 0;
    while (q - slashes > i && t[q - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return q + 1;  // not escaped
    i = q + 1;
  }
  return t.size();
}

// t[i] starts a value; returns the index just past it.
size_t SkipValue(std::string_view t, size_t i) {
  if (i >= t.size()) return i;
  if (t[i] == '"') return SkipString(t, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !Space(t[i])) ++i;
    return i;
  }
  int depth = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == '"') {
      i = SkipString(t, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    ++i;
  }
  return t.size();
}

std::atomic<bool>& Switch() {
  static std::atomic<bool> on([] {
    const char* v = std::getenv("DETOUR_FAST_PATH");
    return v == nullptr || std::string_view(v) != "off";
  }());
  return on;
}

}  // namespace

bool Enabled() { return Switch().load(std::memory_order_relaxed); }
void SetEnabled(bool on) { Switch().store(on); }

simdjson::simdjson_result<Element> Parse(std::string_view text) {
  if (!Enabled()) return simdjson::UNINITIALIZED;
  thread_local std::unique_ptr<simdjson::dom::parser> parser;
  if (!parser || (parser->capacity() > kKeepCapacity && text.size() <= kKeepCapacity)) parser = NewParser();
  if (!parser) return simdjson::MEMALLOC;
  return parser->parse(text.data(), text.size(), /*realloc_if_needed=*/true);
}

bool ObjectMembers(std::string_view text, size_t at, std::vector<Member>* out) {
  size_t i = SkipSpace(text, at);
  if (i >= text.size() || text[i] != '{') return false;
  i = SkipSpace(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    Member m;
    m.begin = i;
    size_t key_end = SkipString(text, i);
    m.key = text.substr(i + 1, key_end - i - 2);
    i = SkipSpace(text, key_end);
    if (i >= text.size() || text[i] != ':') return false;  // not valid JSON after all
    m.value_begin = SkipSpace(text, i + 1);
    m.end = SkipValue(text, m.value_begin);
    out->push_back(m);
    i = SkipSpace(text, m.end);
    if (i < text.size() && text[i] == ',') i = SkipSpace(text, i + 1);
  }
  return true;
}

bool KeysAmbiguous(const std::vector<Member>& members) {
  for (size_t a = 0; a < members.size(); ++a) {
    if (members[a].key.find('\\') != std::string_view::npos) return true;
    for (size_t b = a + 1; b < members.size(); ++b)
      if (members[a].key == members[b].key) return true;
  }
  return false;
}

void AppendString(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t plain = 0;  // start of the run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

bool EraseMember(std::string& text, std::string_view key) {
  // Most texts lack the key: a search for it quoted settles that without a scan.
  std::string quoted;
  quoted.reserve(key.size() + 2);
  quoted.append(1, '"').append(key).append(1, '"');
  if (text.find(quoted) == std::string::npos) return false;
  std::vector<Member> members;
  if (!ObjectMembers(text, 0, &members)) return false;
  for (size_t k = 0; k < members.size(); ++k) {
    if (members[k].key != key) continue;
    size_t from = members[k].begin, to = members[k].end;
    if (k + 1 < members.size()) to = members[k + 1].begin;  // with the comma after it
    else if (k > 0) from = members[k - 1].end;              // with the comma before it
    text.erase(from, to - from);
    return true;
  }
  return false;
}

}  // namespace detour::fastjson
