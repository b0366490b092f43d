// A tiny blocking HTTP/1.1 test client over a raw loopback socket, for pinning the inbound
// server's wire behaviour byte by byte: the test sends exact bytes (any split, any
// pipelining) and reads responses incrementally (status line + headers, then each chunk,
// or a Content-Length body). Every read is bounded by a timeout; nothing here retries.
// One RawConn per thread; not thread-safe. Header-only, test code only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rawhttp {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

struct RawResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                 // decoded (chunks joined)
  std::vector<std::string> chunks;  // the chunk payloads as framed, when chunked
  bool chunked = false;

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (IEquals(k, name)) return v;
    return "";
  }
  bool Has(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (IEquals(k, name)) return true;
    return false;
  }
};

class RawConn {
 public:
  RawConn() = default;
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;
  RawConn(RawConn&& o) noexcept : fd_(std::exchange(o.fd_, -1)), buf_(std::move(o.buf_)),
                                  eof_(o.eof_) {}
  ~RawConn() { Close(); }

  // Connects to 127.0.0.1:port; false (with errno kept in last_errno) when refused.
  bool Connect(int port) {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int yes = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      last_errno = errno;
      Close();
      return false;
    }
    return true;
  }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes so that the peer sees a reset (SO_LINGER 0), not an orderly FIN.
  void Abort() {
    if (fd_ < 0) return;
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }
  bool open() const { return fd_ >= 0; }

  // Status line and headers of the next response (a 100 Continue is a response too).
  std::optional<RawResponse> ReadHead(milliseconds timeout) {
    auto until = Clock::now() + timeout;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!Fill(until)) return std::nullopt;
    std::string head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    return ParseHead(head);
  }

  // The next chunk's payload; "" for the final 0-chunk (its trailer is consumed too).
  std::optional<std::string> ReadChunk(milliseconds timeout) {
    auto until = Clock::now() + timeout;
    size_t eol;
    while ((eol = buf_.find("\r\n")) == std::string::npos)
      if (!Fill(until)) return std::nullopt;
    size_t size = std::strtoul(buf_.substr(0, eol).c_str(), nullptr, 16);
    if (size == 0) {  // last-chunk, then trailers until an empty line
      while (buf_.find("\r\n\r\n") == std::string::npos)
        if (!Fill(until)) return std::nullopt;
      buf_.erase(0, buf_.find("\r\n\r\n") + 4);
      return std::string();
    }
    while (buf_.size() < eol + 2 + size + 2)
      if (!Fill(until)) return std::nullopt;
    std::string data = buf_.substr(eol + 2, size);
    if (buf_.compare(eol + 2 + size, 2, "\r\n") != 0) return std::nullopt;
    buf_.erase(0, eol + 2 + size + 2);
    return data;
  }

  // One whole response (body framed by Content-Length, chunked, or the close).
  std::optional<RawResponse> ReadResponse(milliseconds timeout = milliseconds(5000)) {
    auto until = Clock::now() + timeout;
    auto res = ReadHead(Left(until));
    if (!res) return std::nullopt;
    if (res->status / 100 == 1 || res->status == 204 || res->status == 304) return res;
    if (IEquals(res->Header("Transfer-Encoding"), "chunked")) {
      res->chunked = true;
      for (;;) {
        auto chunk = ReadChunk(Left(until));
        if (!chunk) return std::nullopt;
        if (chunk->empty()) break;
        res->body += *chunk;
        res->chunks.push_back(std::move(*chunk));
      }
    } else if (res->Has("Content-Length")) {
      size_t n = std::strtoul(res->Header("Content-Length").c_str(), nullptr, 10);
      while (buf_.size() < n)
        if (!Fill(until)) return std::nullopt;
      res->body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else {
      while (Fill(until)) {}
      if (!eof_) return std::nullopt;
      res->body = std::move(buf_);
      buf_.clear();
    }
    return res;
  }

  // True when the peer closes (FIN or reset) within the timeout with no further bytes.
  bool WaitClosed(milliseconds timeout) {
    auto until = Clock::now() + timeout;
    while (Fill(until)) {}
    return eof_ && buf_.empty();
  }

  // Bytes received and not yet consumed by a Read*.
  const std::string& pending() const { return buf_; }
  bool eof() const { return eof_; }
  int last_errno = 0;

 private:
  static milliseconds Left(Clock::time_point until) {
    auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
    return left.count() > 0 ? left : milliseconds(0);
  }

  // Appends what arrives before `until`; false on timeout, close or error.
  bool Fill(Clock::time_point until) {
    if (fd_ < 0 || eof_) return false;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(Left(until).count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      char tmp[16384];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = true;
        return false;
      }
      buf_.append(tmp, static_cast<size_t>(n));
      return true;
    }
  }

  static std::optional<RawResponse> ParseHead(const std::string& head) {
    RawResponse res;
    size_t eol = head.find("\r\n");
    std::string line = head.substr(0, eol);
    size_t sp1 = line.find(' ');
    if (sp1 == std::string::npos) return std::nullopt;
    size_t sp2 = line.find(' ', sp1 + 1);
    res.version = line.substr(0, sp1);
    res.status = std::atoi(line.substr(sp1 + 1, sp2 - sp1 - 1).c_str());
    res.reason = sp2 == std::string::npos ? "" : line.substr(sp2 + 1);
    for (size_t pos = eol + 2; pos < head.size();) {
      size_t next = head.find("\r\n", pos);
      std::string h = head.substr(pos, next - pos);
      pos = next + 2;
      size_t colon = h.find(':');
      if (colon == std::string::npos) return std::nullopt;
      size_t v = h.find_first_not_of(' ', colon + 1);
      res.headers.emplace_back(h.substr(0, colon), v == std::string::npos ? "" : h.substr(v));
    }
    return res;
  }

  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace rawhttp
