#include "net/resp.h"

namespace detour::net::resp {
namespace {

// The line from `pos` to its CRLF, or kNeedMore. Lines hold no bare CR or LF.
ParseStatus Line(std::string_view buf, size_t pos, std::string_view* line, size_t* next) {
  size_t cr = buf.find('\r', pos);
  if (cr == std::string_view::npos || cr + 1 >= buf.size()) {
    // A LF before any CR means the framing is wrong, whatever comes later.
    if (buf.find('\n', pos) != std::string_view::npos) return ParseStatus::kBad;
    return ParseStatus::kNeedMore;
  }
  if (buf[cr + 1] != '\n') return ParseStatus::kBad;
  *line = buf.substr(pos, cr - pos);
  if (line->find('\n') != std::string_view::npos) return ParseStatus::kBad;
  *next = cr + 2;
  return ParseStatus::kDone;
}

bool ToInt(std::string_view s, int64_t* out) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = neg ? -v : v;
  return true;
}

ParseStatus ParseAt(std::string_view buf, size_t* pos, Value* out, int depth) {
  if (depth > kMaxDepth) return ParseStatus::kBad;
  if (*pos >= buf.size()) return ParseStatus::kNeedMore;
  char type = buf[*pos];
  std::string_view line;
  size_t next = 0;
  ParseStatus st = Line(buf, *pos + 1, &line, &next);
  if (st != ParseStatus::kDone) return st;
  switch (type) {
    case '+':
    case '-':
      out->type = type == '+' ? Value::Type::kSimple : Value::Type::kError;
      out->str.assign(line);
      *pos = next;
      return ParseStatus::kDone;
    case ':':
      out->type = Value::Type::kInt;
      if (!ToInt(line, &out->num)) return ParseStatus::kBad;
      *pos = next;
      return ParseStatus::kDone;
    case '$': {
      int64_t len = 0;
      if (!ToInt(line, &len) || len < -1 || len > kMaxBulk) return ParseStatus::kBad;
      if (len == -1) {
        out->type = Value::Type::kNil;
        *pos = next;
        return ParseStatus::kDone;
      }
      size_t end = next + static_cast<size_t>(len);
      if (end + 2 > buf.size()) return ParseStatus::kNeedMore;
      if (buf[end] != '\r' || buf[end + 1] != '\n') return ParseStatus::kBad;
      out->type = Value::Type::kBulk;
      out->str.assign(buf.substr(next, static_cast<size_t>(len)));
      *pos = end + 2;
      return ParseStatus::kDone;
    }
    case '*': {
      int64_t n = 0;
      if (!ToInt(line, &n) || n < -1 || n > kMaxArray) return ParseStatus::kBad;
      if (n == -1) {
        out->type = Value::Type::kNil;
        *pos = next;
        return ParseStatus::kDone;
      }
      // No reserve(n): n is the peer's word, the elements must actually arrive.
      std::vector<Value> elems;
      size_t p = next;
      for (int64_t i = 0; i < n; ++i) {
        Value v;
        st = ParseAt(buf, &p, &v, depth + 1);
        if (st != ParseStatus::kDone) return st;
        elems.push_back(std::move(v));
      }
      out->type = Value::Type::kArray;
      out->elems = std::move(elems);
      *pos = p;
      return ParseStatus::kDone;
    }
    default:
      return ParseStatus::kBad;
  }
}

}  // namespace

void AppendCommand(std::string& out, const std::vector<std::string>& args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out += a;
    out += "\r\n";
  }
}

std::string Command(const std::vector<std::string>& args) {
  std::string out;
  AppendCommand(out, args);
  return out;
}

ParseStatus Parse(std::string_view buf, size_t* pos, Value* out) {
  size_t p = *pos;
  Value v;
  ParseStatus st = ParseAt(buf, &p, &v, 0);
  if (st == ParseStatus::kDone) {
    *out = std::move(v);
    *pos = p;
  }
  return st;
}

}  // namespace detour::net::resp
