// net::HttpServer on fibers: an acceptor fiber hands each connection to a fiber of its own
// (scheduler threads in turn), which reads requests (net/http1.h), calls the handler and
// writes the response. A connection waiting for bytes costs no thread, and a ready one is
// served by whichever wake-up of its scheduler's epoll found it.
#include "net/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "net/http1.h"
#include "net/response_writers.h"
#include "net/socket.h"
#include "util/fiber.h"
#include "util/log.h"

namespace detour::net {
namespace {

constexpr auto kIoTimeout = kServerIoTimeout;

fiber::TimePoint In(std::chrono::seconds s) { return fiber::Clock::now() + s; }

std::string PeerAddress(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  else if (ss.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
  return buf;
}

class FiberServer : public HttpServer {
 public:
  explicit FiberServer(ServerOptions o) : opts_(std::move(o)) {}
  ~FiberServer() override {
    // Connection fibers use this server until their last line (ConnEntry): end every
    // connection and wait (bounded) for their fibers, so none outlives it. Parks when
    // called on a fiber, so the fibers being waited for can run.
    Shutdown();
    auto until = fiber::Clock::now() + std::chrono::seconds(5);
    while (Connections() > 0 && fiber::Clock::now() < until)
      fiber::SleepUntil(fiber::Clock::now() + std::chrono::milliseconds(1));
    if (Connections() > 0) log::Error("server destroyed with connections still ending");
    if (int fd = listen_fd_.load(); fd >= 0) ::close(fd);  // bound but never run
  }

  void Route(const std::string& method, const std::string& path, Handler h) override {
    for (auto& r : routes_)
      if (r.method == method && r.path == path) {
        r.handler = std::move(h);
        return;
      }
    routes_.push_back({method, path, std::move(h)});
  }
  Expected<int, std::string> Bind() override;
  void Run() override;
  void Stop() override {
    if (stop_called_.exchange(true)) return;
    // Refuses new connections at once (the socket stops listening) and wakes the acceptor.
    // Only then is the acceptor told to stop: it alone closes the fd, so the fd shut down
    // here cannot have been closed and reused meanwhile.
    int fd = listen_fd_.load();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    stopping_.store(true);
  }
  size_t InFlight() const override { return in_flight_.load(); }
  void Shutdown() override {
    Stop();
    // Under the lock no connection can close its fd, so none shut down here is reused.
    std::lock_guard<std::mutex> lock(conns_mu_);
    for (int fd : conns_) ::shutdown(fd, SHUT_RDWR);
  }
  size_t Connections() const override {
    std::lock_guard<std::mutex> lock(conns_mu_);
    return conns_.size();
  }

 private:
  // Registers a connection's fd for Shutdown while it lives; declared after the Socket so
  // it deregisters before the fd closes, and is the connection's last use of the server.
  class ConnEntry {
   public:
    ConnEntry(FiberServer* s, int fd) : s_(s), fd_(fd) {
      std::lock_guard<std::mutex> lock(s_->conns_mu_);
      s_->conns_.insert(fd_);
    }
    ~ConnEntry() {
      std::lock_guard<std::mutex> lock(s_->conns_mu_);
      s_->conns_.erase(fd_);
    }

   private:
    FiberServer* s_;
    int fd_;
  };
  bool Hang(Socket& sock);
  void Accept();
  void Serve(int fd, std::string peer);
  // Reads one request; false when the connection should end (error answered, or closed).
  bool ReadRequest(Socket& sock, std::string& buf, ServerRequest* req, bool* keep_alive);
  bool ReadBody(Socket& sock, std::string& buf, size_t head_len,
                const http1::BodyFraming& framing, std::string* body, size_t* used, int* status);
  bool Respond(Socket& sock, ServerResponse& res, bool keep_alive);
  void Reject(Socket& sock, int status, const ServerRequest& req);
  void Dispatch(const ServerRequest& req, ServerResponse& res);

  ServerOptions opts_;
  // A handful of routes, matched in registration order (the hot one first): a scan of a
  // short vector, with no key built per request.
  struct RouteEntry {
    std::string method, path;
    Handler handler;
  };
  std::vector<RouteEntry> routes_;
  std::atomic<int> listen_fd_{-1};
  std::atomic<bool> stop_called_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> in_flight_{0};
  std::mutex run_mu_;
  fiber::CondVar run_cv_;
  bool accepting_ = false;
  mutable std::mutex conns_mu_;
  std::unordered_set<int> conns_;
};

Expected<int, std::string> FiberServer::Bind() {
  auto fail = [&] {
    return Fail("cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) +
                " (address in use or not available)");
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(opts_.port);
  if (::getaddrinfo(opts_.host.c_str(), port.c_str(), &hints, &res) != 0 || !res) return fail();
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  bool ok = fd >= 0 && ::bind(fd, res->ai_addr, res->ai_addrlen) == 0 &&
            ::listen(fd, SOMAXCONN) == 0;
  ::freeaddrinfo(res);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    return fail();
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  listen_fd_ = fd;
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

void FiberServer::Run() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    accepting_ = true;
  }
  fiber::Spawn([this] { Accept(); });
  std::unique_lock<std::mutex> lock(run_mu_);
  run_cv_.Wait(lock, [&] { return !accepting_; });
}

void FiberServer::Accept() {
  fiber::IoHandle io(listen_fd_.load());
  while (!stopping_.load()) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(io.fd(), reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      fiber::SpawnBalanced([this, fd, peer = PeerAddress(ss)] { Serve(fd, peer); });
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    // No peer yet: wait for one (or for Stop, looked at every 100 ms). Out of fds or
    // memory: back off instead of spinning.
    if (errno == EAGAIN) io.Wait(false, fiber::Clock::now() + std::chrono::milliseconds(100));
    else fiber::SleepUntil(fiber::Clock::now() + std::chrono::milliseconds(10));
  }
  io.BeforeClose();
  ::close(listen_fd_.exchange(-1));
  std::lock_guard<std::mutex> lock(run_mu_);
  accepting_ = false;
  run_cv_.NotifyAll();
}

void FiberServer::Serve(int fd, std::string peer) {
  Socket sock(fd);
  ConnEntry entry(this, fd);
  std::string buf;
  for (;;) {
    ServerRequest req;
    req.remote_addr = peer;
    bool keep_alive = false;
    if (!ReadRequest(sock, buf, &req, &keep_alive)) return;
    in_flight_.fetch_add(1);
    ServerResponse res;
    Dispatch(req, res);
    bool ok = Respond(sock, res, keep_alive && !stopping_.load());
    in_flight_.fetch_sub(1);
    if (!ok || !keep_alive || stopping_.load()) return;
  }
}

void FiberServer::Dispatch(const ServerRequest& req, ServerResponse& res) {
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const RouteEntry& r) { return r.path == req.path && r.method == req.method; });
  if (it != routes_.end()) {
    // Handlers report failures as values; an exception escaping one (a library throwing
    // where nobody expected it) must cost this request, not the process.
    try {
      it->handler(req, res);
      return;
    } catch (const std::exception& e) {
      log::Error("handler for " + req.method + " " + req.path + " failed: " + e.what());
      res = ServerResponse();
      res.status = 500;
    }
  } else if (opts_.fallback) {
    opts_.fallback(req, res);
    return;
  } else {
    res.status = 404;
  }
  if (opts_.on_error) opts_.on_error(req, res);
}

bool FiberServer::ReadRequest(Socket& sock, std::string& buf, ServerRequest* req,
                              bool* keep_alive) {
  http1::RequestHead head;
  size_t head_len = 0;
  // The first byte may take the keep-alive time; the rest of the request, the I/O timeout.
  auto until = fiber::Clock::now() + std::chrono::seconds(opts_.keep_alive_timeout_s);
  // Right after a response the next request cannot have arrived yet: wait before reading
  // rather than after a read that finds nothing (one system call less per request).
  if (buf.empty()) sock.WaitReadable(until);
  for (;;) {
    std::string why;
    auto st = buf.empty() ? http1::ParseStatus::kIncomplete
                          : http1::ParseRequestHead(buf, &head, &head_len, &why);
    if (st == http1::ParseStatus::kDone) break;
    if (st != http1::ParseStatus::kIncomplete) {
      Reject(sock, st == http1::ParseStatus::kTooLarge ? 431 : 400, *req);
      return false;
    }
    IoStatus io = sock.ReadAppend(buf, until);
    if (io != IoStatus::kOk) return false;  // closed, idle too long, or reset: just close
    until = In(kIoTimeout);
  }
  req->method = std::move(head.method);
  size_t q = head.target.find('?');
  req->path = head.target.substr(0, q);
  if (q != std::string::npos) req->query = head.target.substr(q + 1);
  req->headers = std::move(head.headers);
  *keep_alive = http1::KeepAlive(head.minor_version, req->headers);
  auto framing = http1::RequestFraming(req->headers);
  if (!framing.ok()) {
    Reject(sock, 400, *req);
    return false;
  }
  // curl and others wait (up to a second) for this before sending a larger body.
  bool body_pending = framing->kind != http1::BodyFraming::kNone && buf.size() == head_len;
  bool acceptable = framing->kind != http1::BodyFraming::kLength || framing->length <= opts_.max_body;
  if (body_pending && acceptable && http1::HeaderHasToken(req->headers, "Expect", "100-continue") &&
      sock.WriteAll("HTTP/1.1 100 Continue\r\n\r\n", In(kIoTimeout)) != IoStatus::kOk) {
    return false;
  }
  size_t used = 0;
  int status = 0;
  if (!ReadBody(sock, buf, head_len, *framing, &req->body, &used, &status)) {
    if (status) Reject(sock, status, *req);
    return false;
  }
  buf.erase(0, head_len + used);  // what follows is the next (pipelined) request
  return true;
}

// Reads the body that follows the head (buf holds head_len bytes of head first). On
// failure *status is the error to answer (413, 400), or 0 to just close.
bool FiberServer::ReadBody(Socket& sock, std::string& buf, size_t head_len,
                           const http1::BodyFraming& framing, std::string* body, size_t* used,
                           int* status) {
  using Kind = http1::BodyFraming::Kind;
  if (framing.kind == Kind::kNone) return true;
  if (framing.kind == Kind::kLength && framing.length > opts_.max_body) {
    *status = 413;
    return false;
  }
  http1::ChunkedDecoder decoder;
  size_t scanned = head_len;  // chunked: bytes of buf already fed to the decoder
  for (;;) {
    if (framing.kind == Kind::kLength && buf.size() - head_len >= framing.length) {
      body->assign(buf, head_len, framing.length);
      *used = framing.length;
      return true;
    }
    if (framing.kind == Kind::kChunked) {
      size_t consumed = 0;
      auto st = decoder.Feed(buf.data() + scanned, buf.size() - scanned, &consumed, body);
      scanned += consumed;
      if (st == http1::ChunkedDecoder::Status::kError) {
        *status = 400;
        return false;
      }
      if (body->size() > opts_.max_body) {
        *status = 413;
        return false;
      }
      if (st == http1::ChunkedDecoder::Status::kDone) {
        *used = scanned - head_len;
        return true;
      }
    }
    IoStatus io = sock.ReadAppend(buf, In(kIoTimeout));
    if (io != IoStatus::kOk) return false;
  }
}

void FiberServer::Reject(Socket& sock, int status, const ServerRequest& req) {
  ServerResponse res;
  res.status = status;
  if (opts_.on_error) opts_.on_error(req, res);
  Respond(sock, res, false);
}

// ServerResponse::Abort::kHang: nothing is sent; bytes the peer sends are dropped. Ends
// (false: close) when the peer closes or resets, or the server stops.
bool FiberServer::Hang(Socket& sock) {
  std::string drop;
  while (!stopping_.load()) {
    IoStatus st = sock.ReadAppend(drop, fiber::Clock::now() + std::chrono::milliseconds(100));
    if (st == IoStatus::kClosed || st == IoStatus::kError) break;
    drop.clear();
  }
  return false;
}

bool FiberServer::Respond(Socket& sock, ServerResponse& res, bool keep_alive) {
  if (res.abort == ServerResponse::Abort::kReset) {
    sock.ResetOnClose();
    return false;
  }
  if (res.abort == ServerResponse::Abort::kHang) return Hang(sock);
  if (res.deferred) return RespondDeferred(sock, res, keep_alive);
  if (!res.stream) return SendResponseHead(sock, res, keep_alive, /*chunked=*/false, res.body);
  return RespondStream(sock, res, keep_alive);
}

}  // namespace

std::string ServerRequest::Header(std::string_view name) const {
  const std::string* v = http1::FindHeader(headers, name);
  return v ? *v : std::string();
}

std::unique_ptr<HttpServer> MakeHttpServer(ServerOptions options) {
  return std::make_unique<FiberServer>(std::move(options));
}

}  // namespace detour::net
