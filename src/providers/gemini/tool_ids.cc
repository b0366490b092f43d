#include "providers/gemini/tool_ids.h"

#include <cstdint>

namespace detour::gemini {
namespace {

constexpr std::string_view kPrefix = "call_";
constexpr size_t kHashDigits = 16;
constexpr size_t kBaseSize = 5 + kHashDigits;  // "call_" + hash
constexpr std::string_view kB64Tag = "_tsb";
constexpr std::string_view kHexTag = "_tsx";
constexpr char kHex[] = "0123456789abcdef";

// FNV-1a: stable across runs and builds (std::hash is not). The separator keeps
// ("ab","c") and ("a","bc") apart.
uint64_t Mix(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= 0xff;
  return h * 1099511628211ull;
}

bool IsB64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Standard base64 with canonical padding: the only shape we may shorten and restore.
bool IsCanonicalBase64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && s[s.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i + pad < s.size(); ++i)
    if (!IsB64Char(s[i])) return false;
  return true;
}

std::string ToUrlAlphabet(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '=') break;
    out.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
  return out;
}

std::string FromUrlAlphabet(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

std::string ToHex(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string FromHex(std::string_view s) {
  if (s.size() % 2 != 0) return {};
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = HexValue(s[i]), lo = HexValue(s[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

std::string MakeToolCallId(std::string_view response_id, int64_t candidate, int64_t call,
                           std::string_view name, std::string_view args,
                           std::string_view signature) {
  const std::string where = std::to_string(candidate) + "/" + std::to_string(call);
  uint64_t h = 14695981039346656037ull;
  for (std::string_view part : {response_id, std::string_view(where), name, args}) h = Mix(h, part);
  std::string id(kPrefix);
  for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(h >> shift) & 15]);
  if (signature.empty()) return id;
  if (IsCanonicalBase64(signature)) return id + std::string(kB64Tag) + ToUrlAlphabet(signature);
  return id + std::string(kHexTag) + ToHex(signature);
}

std::string SignatureFromId(std::string_view id) {
  if (id.size() <= kBaseSize + kB64Tag.size() || id.substr(0, kPrefix.size()) != kPrefix)
    return {};
  for (size_t i = kPrefix.size(); i < kBaseSize; ++i)
    if (HexValue(id[i]) < 0) return {};
  std::string_view tag = id.substr(kBaseSize, kB64Tag.size());
  std::string_view payload = id.substr(kBaseSize + kB64Tag.size());
  if (tag == kB64Tag) return FromUrlAlphabet(payload);
  if (tag == kHexTag) return FromHex(payload);
  return {};
}

}  // namespace detour::gemini
