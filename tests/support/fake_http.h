// Minimal HTTP/1.1 server-side plumbing for the fake upstream: reading requests off a
// blocking socket (Content-Length or chunked bodies, Expect: 100-continue, pipelining-safe
// buffering) and writing bytes. Not thread-safe: one reader per connection.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace detour::testing {

struct HttpRequestIn {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // target without the query
  std::string version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;
  std::string Header(std::string_view name) const;  // case-insensitive; "" when absent
};

class RequestReader {
 public:
  explicit RequestReader(int fd) : fd_(fd) {}
  // Reads one whole request. False on EOF, error or a malformed request.
  bool Read(HttpRequestIn* out);

 private:
  bool Fill();  // one recv into buf_; false on EOF/error
  bool ReadHead(HttpRequestIn* out);
  bool ReadChunked(std::string* body);
  bool ReadExact(size_t n, std::string* out);
  bool ReadLine(std::string* line);
  int fd_;
  std::string buf_;
};

// Writes all bytes (MSG_NOSIGNAL). False once the peer is gone.
bool SendAll(int fd, std::string_view data);
// "HTTP/1.1 200 OK\r\n"
std::string StatusLine(int status);
// One HTTP/1.1 chunk holding `data`.
std::string ChunkOf(std::string_view data);

}  // namespace detour::testing
