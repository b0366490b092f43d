// Request parsing for the fake upstream. Deliberately small and strict enough for tests.
#include "support/fake_http.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <strings.h>

namespace detour::testing {
namespace {
constexpr size_t kMaxHead = 64 * 1024;
}

std::string HttpRequestIn::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

bool RequestReader::Fill() {
  char tmp[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

bool RequestReader::ReadLine(std::string* line) {
  for (;;) {
    size_t end = buf_.find("\r\n");
    if (end != std::string::npos) {
      line->assign(buf_, 0, end);
      buf_.erase(0, end + 2);
      return true;
    }
    if (buf_.size() > kMaxHead || !Fill()) return false;
  }
}

bool RequestReader::ReadExact(size_t n, std::string* out) {
  while (buf_.size() < n) {
    if (!Fill()) return false;
  }
  out->append(buf_, 0, n);
  buf_.erase(0, n);
  return true;
}

bool RequestReader::ReadChunked(std::string* body) {
  for (;;) {
    std::string line;
    if (!ReadLine(&line)) return false;
    size_t size = std::strtoul(line.c_str(), nullptr, 16);
    if (size == 0) break;
    std::string crlf;
    if (!ReadExact(size, body) || !ReadExact(2, &crlf)) return false;
  }
  std::string trailer;  // trailers end with an empty line
  do {
    if (!ReadLine(&trailer)) return false;
  } while (!trailer.empty());
  return true;
}

bool RequestReader::ReadHead(HttpRequestIn* out) {
  std::string line;
  do {  // tolerate stray blank lines between requests
    if (!ReadLine(&line)) return false;
  } while (line.empty());
  size_t a = line.find(' ');
  size_t b = line.rfind(' ');
  if (a == std::string::npos || b == a) return false;
  out->method = line.substr(0, a);
  out->target = line.substr(a + 1, b - a - 1);
  out->version = line.substr(b + 1);
  out->path = out->target.substr(0, out->target.find('?'));
  for (;;) {
    if (!ReadLine(&line)) return false;
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) return false;
    size_t v = line.find_first_not_of(" \t", colon + 1);
    std::string value = v == std::string::npos ? "" : line.substr(v);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    out->headers.emplace_back(line.substr(0, colon), std::move(value));
  }
  return true;
}

bool RequestReader::Read(HttpRequestIn* out) {
  if (!ReadHead(out)) return false;
  std::string conn = out->Header("Connection");
  bool http10 = out->version == "HTTP/1.0";
  out->keep_alive = http10 ? strcasecmp(conn.c_str(), "keep-alive") == 0
                           : strcasecmp(conn.c_str(), "close") != 0;
  if (strcasecmp(out->Header("Expect").c_str(), "100-continue") == 0) {
    if (!SendAll(fd_, "HTTP/1.1 100 Continue\r\n\r\n")) return false;
  }
  if (strcasecmp(out->Header("Transfer-Encoding").c_str(), "chunked") == 0) {
    return ReadChunked(&out->body);
  }
  std::string length = out->Header("Content-Length");
  if (length.empty()) return true;
  return ReadExact(std::strtoul(length.c_str(), nullptr, 10), &out->body);
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string StatusLine(int status) {
  const char* reason = "Status";
  switch (status) {
    case 200: reason = "OK"; break;
    case 201: reason = "Created"; break;
    case 204: reason = "No Content"; break;
    case 400: reason = "Bad Request"; break;
    case 401: reason = "Unauthorized"; break;
    case 403: reason = "Forbidden"; break;
    case 404: reason = "Not Found"; break;
    case 408: reason = "Request Timeout"; break;
    case 413: reason = "Payload Too Large"; break;
    case 422: reason = "Unprocessable Entity"; break;
    case 429: reason = "Too Many Requests"; break;
    case 500: reason = "Internal Server Error"; break;
    case 502: reason = "Bad Gateway"; break;
    case 503: reason = "Service Unavailable"; break;
    case 504: reason = "Gateway Timeout"; break;
    case 529: reason = "Overloaded"; break;
  }
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
}

std::string ChunkOf(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size);
  out.append(data);
  out.append("\r\n");
  return out;
}

}  // namespace detour::testing
