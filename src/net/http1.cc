// HTTP/1.1 heads, framing and head serialisers (chunked coding is in http1_chunked.cc).
// Hot path of every request: one memchr scan for the end of the head, then one pass over
// its lines; no regex, no streams.
#include "net/http1.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "util/ascii.h"

namespace detour::net::http1 {
namespace {

constexpr size_t kNpos = std::string_view::npos;

constexpr std::array<bool, 256> MakeTcharTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kTchar = MakeTcharTable();

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTchar[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// Field values and reason phrases: visible ASCII, SP, HTAB and obs-text; no other CTLs.
constexpr std::array<bool, 256> MakeFieldTextTable() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 256; ++c) t[c] = c != 0x7f;
  t['\t'] = true;
  return t;
}
constexpr std::array<bool, 256> kFieldText = MakeFieldTextTable();

bool IsFieldText(std::string_view s) {
  for (char c : s) {
    if (!kFieldText[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// request-target: non-empty, no whitespace or controls.
bool IsTarget(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

// clear + append: a plain capacity check and memcpy, cheaper than assign()'s general
// (aliasing-safe) replace on this hot path.
void Assign(std::string& s, std::string_view v) {
  s.clear();
  s.append(v.data(), v.size());
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(element) for each non-empty, trimmed element of a comma-separated list.
template <class Fn>
void ForEachElement(std::string_view list, Fn&& fn) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view element = TrimOws(list.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == kNpos) return;
    list.remove_prefix(comma + 1);
  }
}

// Index just past the first empty line that follows the line starting at `from`; kNpos
// while it has not arrived.
size_t FindHeadEnd(std::string_view buf, size_t from) {
  const char* base = buf.data();
  size_t n = buf.size();
  size_t p = from;
  while (p < n) {
    const void* hit = std::memchr(base + p, '\n', n - p);
    if (hit == nullptr) return kNpos;
    size_t next = static_cast<size_t>(static_cast<const char*>(hit) - base) + 1;
    if (next < n && base[next] == '\n') return next + 1;
    if (next + 1 < n && base[next] == '\r' && base[next + 1] == '\n') return next + 2;
    p = next;
  }
  return kNpos;
}

// The line at *pos without its LF or CRLF; advances *pos past the line end. The caller
// guarantees a '\n' follows (the head end was found).
std::string_view NextLine(std::string_view buf, size_t* pos) {
  size_t nl = buf.find('\n', *pos);
  std::string_view line = buf.substr(*pos, nl - *pos);
  *pos = nl + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

enum class Version { kBad, kUnsupported, kOk };

Version ParseVersion(std::string_view v, int* minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return Version::kBad;
  char major = v[5], min = v[7];
  if (major < '0' || major > '9' || min < '0' || min > '9') return Version::kBad;
  if (major != '1' || min > '1') return Version::kUnsupported;
  *minor = min - '0';
  return Version::kOk;
}

bool Reject(std::string* error, const char* why) {
  *error = why;
  return false;
}

bool VersionError(Version v, const char* bad_line, std::string* error) {
  return Reject(error, v == Version::kUnsupported ? "unsupported HTTP version" : bad_line);
}

bool ParseRequestLine(std::string_view line, RequestHead* out, std::string* error) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == kNpos ? kNpos : line.find(' ', sp1 + 1);
  if (sp2 == kNpos) return Reject(error, "bad request line");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!IsToken(method) || !IsTarget(target)) return Reject(error, "bad request line");
  Version v = ParseVersion(line.substr(sp2 + 1), &out->minor_version);
  if (v != Version::kOk) return VersionError(v, "bad request line", error);
  Assign(out->method, method);
  Assign(out->target, target);
  return true;
}

// "HTTP/1.1 200 OK"; the space and reason after the code may be missing.
bool ParseStatusLine(std::string_view line, ResponseHead* out, std::string* error) {
  Version v = ParseVersion(line.substr(0, std::min<size_t>(line.size(), 8)), &out->minor_version);
  if (v != Version::kOk) return VersionError(v, "bad status line", error);
  if (line.size() < 12 || line[8] != ' ') return Reject(error, "bad status line");
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return Reject(error, "bad status code");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || status > 599) return Reject(error, "bad status code");
  std::string_view reason = line.substr(12);
  if (!reason.empty() && reason[0] != ' ') return Reject(error, "bad status code");
  reason = TrimOws(reason);
  if (!IsFieldText(reason)) return Reject(error, "bad status line");
  out->status = status;
  Assign(out->reason, reason);
  return true;
}

struct FieldLine {
  std::string_view name;
  std::string_view value;
};

// Scans one field line at p in a single pass; returns the start of the next line, or
// nullptr with *why set. Neither table admits '\n' and the head ends with one, so the
// scans stop inside the head without bounds checks.
const char* ScanFieldLine(const char* p, FieldLine* f, const char** why) {
  const char* name = p;
  while (kTchar[static_cast<unsigned char>(*p)]) ++p;
  if (*p != ':' || p == name) {
    *why = *p == '\r' || *p == '\n' ? "bad header line" : "bad header name";
    return nullptr;
  }
  f->name = std::string_view(name, static_cast<size_t>(p - name));
  ++p;
  while (*p == ' ' || *p == '\t') ++p;
  const char* value = p;
  while (kFieldText[static_cast<unsigned char>(*p)]) ++p;
  const char* value_end = p;
  if (*p == '\r') ++p;
  if (*p != '\n') {
    *why = "bad header value";
    return nullptr;
  }
  while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\t')) --value_end;
  f->value = std::string_view(value, static_cast<size_t>(value_end - value));
  return p + 1;
}

// Header lines from `pos` up to the empty line that ends the head. Reuses the strings
// already in *hs so a head object kept per connection stops allocating.
bool ParseHeaderLines(std::string_view buf, size_t pos, size_t end, Headers* hs,
                      std::string* error) {
  if (hs->capacity() == 0) hs->reserve(16);
  const char* p = buf.data() + pos;
  const char* stop = buf.data() + end;
  size_t count = 0;
  while (p < stop) {
    if (*p == '\n' || (*p == '\r' && p[1] == '\n')) break;  // the blank line
    if (*p == ' ' || *p == '\t') return Reject(error, "obsolete line folding");
    FieldLine f;
    const char* why = nullptr;
    p = ScanFieldLine(p, &f, &why);
    if (p == nullptr) return Reject(error, why);
    if (count < hs->size()) {
      Assign((*hs)[count].first, f.name);
      Assign((*hs)[count].second, f.value);
    } else {
      hs->emplace_back(std::string(f.name), std::string(f.value));
    }
    ++count;
  }
  hs->resize(count);
  return true;
}

template <class Head, class StartLineFn>
ParseStatus ParseHead(std::string_view buf, size_t start, Head* out, size_t* consumed,
                      std::string* error, size_t* resume, StartLineFn parse_start_line) {
  std::string_view window = buf.substr(0, std::min(buf.size(), kMaxHeadBytes));
  size_t from = std::min(std::max(start, *resume), window.size());
  size_t end = FindHeadEnd(window, from);
  if (end == kNpos) {
    // Back up two bytes: a "\n\r" at the end may begin the terminator.
    *resume = window.size() >= 2 ? window.size() - 2 : 0;
    return buf.size() >= kMaxHeadBytes ? ParseStatus::kTooLarge : ParseStatus::kIncomplete;
  }
  *resume = 0;
  size_t pos = start;
  if (!parse_start_line(NextLine(buf, &pos), out, error)) return ParseStatus::kError;
  if (!ParseHeaderLines(buf, pos, end, &out->headers, error)) return ParseStatus::kError;
  *consumed = end;
  return ParseStatus::kDone;
}

enum class Coding { kAbsent, kChunked, kOther };

// Transfer-Encoding across all its field lines: kChunked only when chunked is the last
// coding and appears once (RFC 9112 6.1); kOther for anything else present.
Coding TransferCoding(const Headers& h) {
  bool present = false;
  int chunked = 0;
  std::string_view last;
  for (const auto& [name, value] : h) {
    if (!EqualsIgnoreCase(name, "Transfer-Encoding")) continue;
    present = true;
    ForEachElement(value, [&](std::string_view e) {
      last = e;
      if (EqualsIgnoreCase(e, "chunked")) ++chunked;
    });
  }
  if (!present) return Coding::kAbsent;
  return chunked == 1 && EqualsIgnoreCase(last, "chunked") ? Coding::kChunked : Coding::kOther;
}

enum class Length { kAbsent, kOk, kBad };

bool ParseDecimal(std::string_view s, uint64_t* out) {
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// Content-Length across all its field lines and list elements: all must be equal digits.
Length ContentLength(const Headers& h, uint64_t* length) {
  bool present = false, bad = false, seen = false;
  for (const auto& [name, value] : h) {
    if (!EqualsIgnoreCase(name, "Content-Length")) continue;
    present = true;
    size_t elements = 0;
    ForEachElement(value, [&](std::string_view e) {
      ++elements;
      uint64_t v = 0;
      if (!ParseDecimal(e, &v) || (seen && v != *length)) bad = true;
      *length = v;
      seen = true;
    });
    if (elements == 0) bad = true;
  }
  if (!present) return Length::kAbsent;
  return bad ? Length::kBad : Length::kOk;
}

BodyFraming LengthFraming(uint64_t length) {
  if (length == 0) return BodyFraming{};
  return BodyFraming{BodyFraming::kLength, length};
}

bool AppendHeaderLines(std::string& out, const Headers& h) {
  for (const auto& [name, value] : h) {
    if (!AppendHeaderLine(out, name, value)) return false;
  }
  out.append("\r\n", 2);
  return true;
}

size_t HeadersSize(const Headers& h) {
  size_t n = 2;
  for (const auto& [name, value] : h) n += name.size() + value.size() + 4;
  return n;
}

}  // namespace

ParseStatus ParseRequestHead(std::string_view buf, RequestHead* out, size_t* consumed,
                             std::string* error, size_t* resume) {
  // RFC 9112 2.2: tolerate a few empty lines left over from a previous body.
  size_t start = 0;
  for (int i = 0; i < kMaxLeadingEmptyLines; ++i) {
    if (start < buf.size() && buf[start] == '\n') {
      start += 1;
    } else if (start + 1 < buf.size() && buf[start] == '\r' && buf[start + 1] == '\n') {
      start += 2;
    } else {
      break;
    }
  }
  return ParseHead(buf, start, out, consumed, error, resume, ParseRequestLine);
}

ParseStatus ParseRequestHead(std::string_view buf, RequestHead* out, size_t* consumed,
                             std::string* error) {
  size_t resume = 0;
  return ParseRequestHead(buf, out, consumed, error, &resume);
}

ParseStatus ParseResponseHead(std::string_view buf, ResponseHead* out, size_t* consumed,
                              std::string* error, size_t* resume) {
  return ParseHead(buf, 0, out, consumed, error, resume, ParseStatusLine);
}

ParseStatus ParseResponseHead(std::string_view buf, ResponseHead* out, size_t* consumed,
                              std::string* error) {
  size_t resume = 0;
  return ParseResponseHead(buf, out, consumed, error, &resume);
}

const std::string* FindHeader(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h) {
    if (EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

bool HeaderHasToken(const Headers& h, std::string_view name, std::string_view token) {
  bool found = false;
  for (const auto& [k, v] : h) {
    if (found || !EqualsIgnoreCase(k, name)) continue;
    ForEachElement(v, [&](std::string_view e) { found = found || EqualsIgnoreCase(e, token); });
  }
  return found;
}

Expected<BodyFraming, std::string> RequestFraming(const Headers& h) {
  Coding coding = TransferCoding(h);
  uint64_t length = 0;
  Length cl = ContentLength(h, &length);
  if (coding != Coding::kAbsent && cl != Length::kAbsent) {
    return Fail(std::string("both Transfer-Encoding and Content-Length"));
  }
  if (coding == Coding::kChunked) return BodyFraming{BodyFraming::kChunked, 0};
  if (coding == Coding::kOther) return Fail(std::string("unsupported Transfer-Encoding"));
  if (cl == Length::kBad) return Fail(std::string("invalid Content-Length"));
  return LengthFraming(length);
}

Expected<BodyFraming, std::string> ResponseFraming(std::string_view request_method, int status,
                                                   const Headers& h) {
  bool connect_ok = request_method == "CONNECT" && status >= 200 && status < 300;
  if (request_method == "HEAD" || status < 200 || status == 204 || status == 304 ||
      connect_ok) {
    return BodyFraming{};
  }
  // RFC 9112 6.3: Transfer-Encoding overrides Content-Length in a response.
  Coding coding = TransferCoding(h);
  if (coding == Coding::kChunked) return BodyFraming{BodyFraming::kChunked, 0};
  if (coding == Coding::kOther) return BodyFraming{BodyFraming::kUntilClose, 0};
  uint64_t length = 0;
  Length cl = ContentLength(h, &length);
  if (cl == Length::kBad) return Fail(std::string("invalid Content-Length"));
  if (cl == Length::kOk) return LengthFraming(length);
  return BodyFraming{BodyFraming::kUntilClose, 0};
}

bool KeepAlive(int minor_version, const Headers& h) {
  if (HeaderHasToken(h, "Connection", "close")) return false;
  return minor_version >= 1 || HeaderHasToken(h, "Connection", "keep-alive");
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

bool SafeHeaderField(std::string_view name, std::string_view value) {
  if (!IsToken(name)) return false;
  // One pass (find_first_of would call memchr on the set once per byte of the value).
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

bool AppendHeaderLine(std::string& out, std::string_view name, std::string_view value) {
  if (!SafeHeaderField(name, value)) return false;
  out.append(name).append(": ", 2).append(value).append("\r\n", 2);
  return true;
}

bool AppendRequestLine(std::string& out, std::string_view method, std::string_view target) {
  if (!IsToken(method) || !IsTarget(target)) return false;
  out.append(method).append(" ", 1).append(target).append(" HTTP/1.1\r\n", 11);
  return true;
}

bool AppendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const Headers& h) {
  size_t mark = out.size();
  out.reserve(mark + method.size() + target.size() + 12 + HeadersSize(h));
  if (AppendRequestLine(out, method, target) && AppendHeaderLines(out, h)) return true;
  out.resize(mark);
  return false;
}

bool AppendStatusLine(std::string& out, int status) {
  if (status < 100 || status > 599) return false;
  char code[4];
  std::to_chars(code, code + 3, status);
  out.append("HTTP/1.1 ", 9).append(code, 3).append(" ", 1).append(ReasonPhrase(status)).append("\r\n", 2);
  return true;
}

bool AppendResponseHead(std::string& out, int status, const Headers& h) {
  size_t mark = out.size();
  out.reserve(mark + 40 + HeadersSize(h));
  if (AppendStatusLine(out, status) && AppendHeaderLines(out, h)) return true;
  out.resize(mark);
  return false;
}

}  // namespace detour::net::http1
