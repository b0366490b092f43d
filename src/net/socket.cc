#include "net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

namespace detour::net {
namespace {

SSL_CTX* TlsContext(bool verify) {
  static SSL_CTX* ctx[2] = {nullptr, nullptr};
  static std::once_flag once;
  std::call_once(once, [] {
    for (int v = 0; v < 2; ++v) {
      SSL_CTX* c = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
      SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      // The system CA store (Debian: /etc/ssl/certs), as curl and browsers use.
      if (v) SSL_CTX_set_default_verify_paths(c);
      SSL_CTX_set_verify(c, v ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
      ctx[v] = c;
    }
  });
  return ctx[verify ? 1 : 0];
}

std::string TlsReason(SSL* ssl) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) return X509_verify_cert_error_string(verify);
  unsigned long e = ERR_peek_last_error();
  if (!e) return "handshake failed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

bool IsIpLiteral(const std::string& host) {
  unsigned char tmp[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), tmp) == 1 || inet_pton(AF_INET6, host.c_str(), tmp) == 1;
}

}  // namespace

Socket::Socket(int fd) : io_(fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Socket::~Socket() {
  if (ssl_) SSL_free(ssl_);
  io_.BeforeClose();
  ::close(io_.fd());
}

void Socket::ResetOnClose() {
  linger l{1, 0};
  ::setsockopt(io_.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

bool Socket::IdleAlive() {
  if (!io_.MaybeReadable()) return true;
  char c;
  ssize_t r = ::recv(io_.fd(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    io_.ClearReadable();
    return true;
  }
  // TLS peers may send records unasked (TLS 1.3 session tickets): only EOF condemns.
  return r > 0 && ssl_ != nullptr;
}

IoStatus Socket::WaitReadable(fiber::TimePoint until) {
  if (io_.Wait(false, until, cancel_) != fiber::WaitResult::kReady) return IoStatus::kTimeout;
  drained_ = false;  // this was the wait the next read would have made
  return IoStatus::kOk;
}

IoStatus Socket::WaitWritable(fiber::TimePoint until) {
  return io_.Wait(true, until, cancel_) == fiber::WaitResult::kReady ? IoStatus::kOk : IoStatus::kTimeout;
}

IoStatus Socket::ReadSome(char* buf, size_t cap, size_t* n, fiber::TimePoint until) {
  return ssl_ ? ReadTls(buf, cap, n, until) : ReadPlain(buf, cap, n, until);
}

IoStatus Socket::ReadAppend(std::string& buf, fiber::TimePoint until) {
  // One scratch buffer per thread, not 16 KB on the caller's stack: a stack buffer put
  // every wait inside the read 16 KB deeper into each fiber's stack, so each stream event
  // touched pages of its own stack that nothing else used (a thousand streams, a thousand
  // sets of cold pages; with page-table isolation every system call flushes the TLB).
  // Fibers on one thread may share it because none waits between its read into the
  // buffer and the append out of it (a read that waits has put nothing in it yet).
  thread_local char scratch[16 * 1024];
  size_t n = 0;
  IoStatus st = ReadSome(scratch, sizeof scratch, &n, until);
  if (st == IoStatus::kOk) buf.append(scratch, n);
  return st;
}

IoStatus Socket::ReadPlain(char* buf, size_t cap, size_t* n, fiber::TimePoint until) {
  // The last read took less than it asked for, so the socket was empty then: wait for the
  // next edge before reading instead of a read that finds nothing (a stream's chunks come
  // one at a time, and each used to cost a recv that returned EAGAIN). Edge-triggered
  // readiness that arrived meanwhile is remembered by the handle, so nothing is missed;
  // a FIN that came with the data (one edge for both) means the read goes ahead.
  if (drained_ && !io_.HungUp()) {
    if (io_.Wait(false, until, cancel_) == fiber::WaitResult::kTimeout) return IoStatus::kTimeout;
  }
  drained_ = false;
  for (;;) {
    ssize_t r = ::recv(io_.fd(), buf, cap, 0);
    if (r > 0) {
      *n = static_cast<size_t>(r);
      drained_ = *n < cap;
      return IoStatus::kOk;
    }
    if (r == 0) return IoStatus::kClosed;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return IoStatus::kError;
    if (io_.Wait(false, until, cancel_) == fiber::WaitResult::kTimeout) return IoStatus::kTimeout;
  }
}

IoStatus Socket::WriteAll(std::string_view data, fiber::TimePoint until) {
  if (ssl_) return WriteTls(data, until);
  while (!data.empty()) {
    ssize_t w = ::send(io_.fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (w > 0) {
      data.remove_prefix(static_cast<size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return IoStatus::kError;
    if (io_.Wait(true, until, cancel_) == fiber::WaitResult::kTimeout) return IoStatus::kTimeout;
  }
  return IoStatus::kOk;
}

IoStatus Socket::WriteParts(std::initializer_list<std::string_view> parts, fiber::TimePoint until) {
  if (ssl_ || parts.size() > kMaxParts) {
    std::string joined;
    for (auto p : parts) joined.append(p);
    return WriteAll(joined, until);
  }
  iovec iov[kMaxParts];
  size_t n = 0;
  for (auto p : parts)
    if (!p.empty()) iov[n++] = {const_cast<char*>(p.data()), p.size()};
  size_t first = 0;
  while (first < n) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = n - first;
    ssize_t w = ::sendmsg(io_.fd(), &msg, MSG_NOSIGNAL);
    if (w > 0) {
      auto left = static_cast<size_t>(w);
      while (first < n && left >= iov[first].iov_len) left -= iov[first++].iov_len;
      if (first < n) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return IoStatus::kError;
    if (io_.Wait(true, until, cancel_) == fiber::WaitResult::kTimeout) return IoStatus::kTimeout;
  }
  return IoStatus::kOk;
}

IoStatus Socket::StartTls(const std::string& host, bool verify, fiber::TimePoint until,
                          std::string* why) {
  ssl_ = SSL_new(TlsContext(verify));
  SSL_set_fd(ssl_, io_.fd());
  bool ip = IsIpLiteral(host);
  if (!ip) SSL_set_tlsext_host_name(ssl_, host.c_str());
  if (verify) {
    if (ip) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
    else SSL_set1_host(ssl_, host.c_str());
  }
  for (;;) {
    ERR_clear_error();
    int r = SSL_connect(ssl_);
    if (r == 1) return IoStatus::kOk;
    int err = SSL_get_error(ssl_, r);
    bool want_write = err == SSL_ERROR_WANT_WRITE;
    if (err != SSL_ERROR_WANT_READ && !want_write) {
      *why = TlsReason(ssl_);
      return IoStatus::kError;
    }
    if (io_.Wait(want_write, until, cancel_) == fiber::WaitResult::kTimeout) return IoStatus::kTimeout;
  }
}

IoStatus Socket::ReadTls(char* buf, size_t cap, size_t* n, fiber::TimePoint until) {
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(cap, 1 << 30)));
    if (r > 0) {
      *n = static_cast<size_t>(r);
      return IoStatus::kOk;
    }
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_ZERO_RETURN) return IoStatus::kClosed;
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (io_.Wait(err == SSL_ERROR_WANT_WRITE, until, cancel_) == fiber::WaitResult::kTimeout)
        return IoStatus::kTimeout;
      continue;
    }
    // A peer that closes TCP without close_notify: an unclean end of stream.
    return err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? IoStatus::kClosed : IoStatus::kError;
  }
}

IoStatus Socket::WriteTls(std::string_view data, fiber::TimePoint until) {
  while (!data.empty()) {
    ERR_clear_error();
    int w = SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
    if (w > 0) {
      data.remove_prefix(static_cast<size_t>(w));
      continue;
    }
    int err = SSL_get_error(ssl_, w);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return IoStatus::kError;
    if (io_.Wait(err == SSL_ERROR_WANT_WRITE, until, cancel_) == fiber::WaitResult::kTimeout)
      return IoStatus::kTimeout;
  }
  return IoStatus::kOk;
}

// --- connecting ---------------------------------------------------------------------

namespace {

// A name lookup handed to a helper thread. The fiber waits on the eventfd with its
// deadline; if it gives up, the thread finishes alone, and whoever drops the last
// reference frees what the lookup found.
struct Lookup {
  int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  std::atomic<bool> done{false};
  int rc = 0;
  addrinfo* result = nullptr;  // owned until taken
  ~Lookup() {
    if (result) ::freeaddrinfo(result);
    if (efd >= 0) ::close(efd);
  }
};

constexpr int kResolveTimedOut = -100000;  // not a getaddrinfo code

// 0, a getaddrinfo error code, or kResolveTimedOut.
int Resolve(const std::string& host, int port, fiber::TimePoint until, const std::atomic<bool>* cancel,
            addrinfo** out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  std::string service = std::to_string(port);
  // Numeric addresses resolve without I/O; names may take the network's time.
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, out) == 0) return 0;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  if (!fiber::InFiber()) return ::getaddrinfo(host.c_str(), service.c_str(), &hints, out);
  auto lookup = std::make_shared<Lookup>();
  if (lookup->efd < 0) return EAI_SYSTEM;
  std::thread([lookup, host, service, hints] {
    lookup->rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &lookup->result);
    lookup->done.store(true);
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(lookup->efd, &one, sizeof one);
  }).detach();
  fiber::IoHandle io(lookup->efd);
  while (!lookup->done.load()) {
    if (io.Wait(false, until, cancel) == fiber::WaitResult::kTimeout) return kResolveTimedOut;
  }
  *out = std::exchange(lookup->result, nullptr);
  return lookup->rc;
}

IoStatus ConnectOne(const addrinfo* ai, fiber::TimePoint until, const std::atomic<bool>* cancel,
                    std::unique_ptr<Socket>* out, int* err) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    *err = errno;
    return IoStatus::kError;
  }
  auto sock = std::make_unique<Socket>(fd);
  sock->WatchCancel(cancel);
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    *err = errno;
    return IoStatus::kError;
  }
  // Connecting: writable means connected or failed; SO_ERROR tells which, and
  // getpeername confirms (a spurious wake-up leaves it ENOTCONN: wait again).
  for (;;) {
    if (sock->WaitWritable(until) == IoStatus::kTimeout) return IoStatus::kTimeout;
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error != 0) {
      *err = so_error;
      return IoStatus::kError;
    }
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) break;
    if (errno != ENOTCONN) {
      *err = errno;
      return IoStatus::kError;
    }
  }
  sock->WatchCancel(nullptr);
  *out = std::move(sock);
  return IoStatus::kOk;
}

}  // namespace

IoStatus Connect(const std::string& host, int port, fiber::TimePoint until,
                 std::unique_ptr<Socket>* out, std::string* why, const std::atomic<bool>* cancel) {
  addrinfo* res = nullptr;
  int rc = Resolve(host, port, until, cancel, &res);
  if (rc == kResolveTimedOut) {
    *why = "deadline passed (or canceled) while resolving " + host;
    return IoStatus::kTimeout;
  }
  if (rc != 0) {
    *why = "cannot resolve " + host + " (" + gai_strerror(rc) + ")";
    return IoStatus::kError;
  }
  int err = ECONNREFUSED;
  IoStatus status = IoStatus::kError;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    status = ConnectOne(ai, until, cancel, out, &err);
    if (status != IoStatus::kError) break;
  }
  ::freeaddrinfo(res);
  if (status == IoStatus::kError) *why = std::string("connect failed (") + std::strerror(err) + ")";
  return status;
}

}  // namespace detour::net
