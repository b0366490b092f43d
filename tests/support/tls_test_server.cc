// The TLS test server: its SSL_CTX over the in-memory certificate (tls_test_cert.h),
// listener, one thread per connection, request reading over SSL, the scripted answers and
// an orderly Stop.
#include "support/tls_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <mutex>
#include <thread>

#include "support/tls_test_cert.h"

namespace detour::testing {
namespace {

struct CtxFree { void operator()(SSL_CTX* p) const { SSL_CTX_free(p); } };
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string FindHeader(const TlsHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

bool WriteAll(SSL* ssl, std::string_view data) {
  // Without SSL_MODE_ENABLE_PARTIAL_WRITE a blocking SSL_write writes everything or fails.
  return data.empty() || SSL_write(ssl, data.data(), static_cast<int>(data.size())) > 0;
}

std::string StatusLine(int status) {
  const char* reason = "Unknown";
  switch (status) {
    case 200: reason = "OK"; break;
    case 400: reason = "Bad Request"; break;
    case 401: reason = "Unauthorized"; break;
    case 404: reason = "Not Found"; break;
    case 429: reason = "Too Many Requests"; break;
    case 500: reason = "Internal Server Error"; break;
    default: break;
  }
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
}

// Reads whole requests (head + Content-Length body) off one TLS connection.
class SslRequestReader {
 public:
  explicit SslRequestReader(SSL* ssl) : ssl_(ssl) {}
  // False on EOF, error (including a Stop) or a malformed request.
  bool Read(TlsRecordedRequest* out) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > (1u << 20) || !Fill()) return false;
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    if (!ParseHead(head, out)) return false;
    std::string length = FindHeader(out->headers, "Content-Length");
    size_t n = length.empty() ? 0 : std::strtoul(length.c_str(), nullptr, 10);
    while (buf_.size() < n) {
      if (!Fill()) return false;
    }
    out->body = buf_.substr(0, n);
    buf_.erase(0, n);
    return true;
  }

 private:
  bool Fill() {
    char tmp[16384];
    int n = SSL_read(ssl_, tmp, sizeof tmp);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  static bool ParseHead(const std::string& head, TlsRecordedRequest* out) {
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    size_t sp1 = first.find(' ');
    size_t sp2 = first.find(' ', sp1 == std::string::npos ? sp1 : sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
    out->method = first.substr(0, sp1);
    out->target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(pos, next - pos);
      pos = next + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) return false;
      size_t v = line.find_first_not_of(" \t", colon + 1);
      out->headers.emplace_back(line.substr(0, colon),
                                v == std::string::npos ? "" : line.substr(v));
    }
    return true;
  }
  SSL* ssl_;
  std::string buf_;
};

// OpenSSL writes with write(2): a vanished client must give EPIPE, not kill the test binary.
// SIGPIPE is thread-directed, so blocking it on the connection thread is enough.
void BlockSigpipeOnThisThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

TlsStep TlsStep::Reply(int status, std::string json_body, TlsHeaders headers) {
  TlsStep s;
  s.status = status;
  s.body = std::move(json_body);
  s.headers = std::move(headers);
  return s;
}

TlsStep TlsStep::Chunked(std::vector<std::string> pieces, int delay_ms) {
  TlsStep s;
  s.mode = Mode::kChunked;
  s.pieces = std::move(pieces);
  s.delay_ms = delay_ms;
  return s;
}

TlsStep TlsStep::Silent() {
  TlsStep s;
  s.mode = Mode::kSilent;
  return s;
}

TlsStep TlsStep::SilentHandshake() {
  TlsStep s;
  s.mode = Mode::kSilentHandshake;
  return s;
}

std::string TlsRecordedRequest::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

struct TlsConn {
  std::thread thread;
  int fd = -1;  // closed only by whoever joins the thread
  std::atomic<bool> done{false};
};

struct TlsTestServer::Impl {
  TestCert identity;
  CtxPtr ctx;

  mutable std::mutex mu;  // script, counters, last request
  mutable std::condition_variable counts_cv;
  std::vector<TlsStep> script;
  size_t next_step = 0;
  int accepted = 0;
  int requests = 0;
  std::optional<TlsRecordedRequest> last;

  std::mutex stop_mu;  // pauses between chunks wait on stop_cv
  std::condition_variable stop_cv;
  std::atomic<bool> stopping{false};

  std::mutex conn_mu;
  std::list<std::unique_ptr<TlsConn>> conns;

  int listen_fd = -1;
  int wake_fds[2] = {-1, -1};  // the acceptor polls wake_fds[0]; Stop writes wake_fds[1]
  int port = -1;
  std::thread acceptor;

  bool MakeIdentity();
  void AcceptLoop();
  void ReapDone();
  void ServeConn(TlsConn* c);
  void ServeRequests(SSL* ssl);
  bool Answer(SSL* ssl, const TlsStep& step, bool keep_alive);
  TlsStep::Mode PeekMode();
  TlsStep Record(TlsRecordedRequest req);
  bool Pause(int ms);
  void StopAll();
};

bool TlsTestServer::Impl::MakeIdentity() {
  identity = MakeSelfSignedCert();
  if (!identity.ok()) return false;
  ctx.reset(SSL_CTX_new(TLS_server_method()));
  return ctx && SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) == 1 &&
         SSL_CTX_use_certificate(ctx.get(), identity.cert.get()) == 1 &&
         SSL_CTX_use_PrivateKey(ctx.get(), identity.key.get()) == 1 &&
         SSL_CTX_check_private_key(ctx.get()) == 1;
}

TlsStep::Mode TlsTestServer::Impl::PeekMode() {
  std::lock_guard<std::mutex> lock(mu);
  return script[std::min(next_step, script.size() - 1)].mode;
}

TlsStep TlsTestServer::Impl::Record(TlsRecordedRequest req) {
  std::lock_guard<std::mutex> lock(mu);
  TlsStep step = script[std::min(next_step, script.size() - 1)];
  ++next_step;
  ++requests;
  last = std::move(req);
  counts_cv.notify_all();
  return step;
}

bool TlsTestServer::Impl::Pause(int ms) {
  std::unique_lock<std::mutex> lock(stop_mu);
  return !stop_cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping.load(); });
}

bool TlsTestServer::Impl::Answer(SSL* ssl, const TlsStep& step, bool keep_alive) {
  std::string connection = keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  std::string extra;
  for (const auto& [k, v] : step.headers) extra += k + ": " + v + "\r\n";
  if (step.mode == TlsStep::Mode::kReply) {
    return WriteAll(ssl, StatusLine(step.status) + "Content-Type: application/json\r\n" +
                             "Content-Length: " + std::to_string(step.body.size()) + "\r\n" +
                             connection + extra + "\r\n" + step.body);
  }
  if (step.mode == TlsStep::Mode::kChunked) {
    if (!WriteAll(ssl, StatusLine(step.status) + "Content-Type: text/event-stream\r\n" +
                           "Transfer-Encoding: chunked\r\n" + connection + extra + "\r\n")) {
      return false;
    }
    for (size_t i = 0; i < step.pieces.size(); ++i) {
      if (i > 0 && step.delay_ms > 0 && !Pause(step.delay_ms)) return false;
      const std::string& p = step.pieces[i];
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", p.size());
      if (!p.empty() && !WriteAll(ssl, size + p + "\r\n")) return false;
    }
    return WriteAll(ssl, "0\r\n\r\n");
  }
  // Silent: hold the connection, answer nothing, until the client goes or Stop shuts it.
  char tmp[4096];
  while (SSL_read(ssl, tmp, sizeof tmp) > 0) {
  }
  return false;
}

void TlsTestServer::Impl::ServeRequests(SSL* ssl) {
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  std::string server_name = sni ? sni : "";
  SslRequestReader reader(ssl);
  while (!stopping.load()) {
    TlsRecordedRequest req;
    if (!reader.Read(&req)) return;
    req.server_name = server_name;
    bool keep_alive = !EqualsIgnoreCase(req.Header("Connection"), "close");
    TlsStep step = Record(std::move(req));
    if (!Answer(ssl, step, keep_alive) || !keep_alive) return;
  }
}

void TlsTestServer::Impl::ServeConn(TlsConn* c) {
  BlockSigpipeOnThisThread();
  if (PeekMode() == TlsStep::Mode::kSilentHandshake) {
    // Never speak TLS; wait for the client to give up or Stop to shut the socket down.
    char tmp[4096];
    for (;;) {
      ssize_t n = ::recv(c->fd, tmp, sizeof tmp, 0);
      if (n > 0 || (n < 0 && errno == EINTR)) continue;
      break;
    }
  } else if (SSL* ssl = SSL_new(ctx.get())) {
    // SSL_set_fd's BIO does not own the fd: it stays open until the joiner closes it.
    if (SSL_set_fd(ssl, c->fd) == 1 && SSL_accept(ssl) == 1) ServeRequests(ssl);
    SSL_free(ssl);
  }
  c->done = true;  // last touch of *c by this thread
}

void TlsTestServer::Impl::ReapDone() {
  std::lock_guard<std::mutex> lock(conn_mu);
  for (auto it = conns.begin(); it != conns.end();) {
    if (!(*it)->done.load()) {
      ++it;
      continue;
    }
    (*it)->thread.join();
    ::close((*it)->fd);
    it = conns.erase(it);
  }
}

void TlsTestServer::Impl::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_fds[0], POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || stopping.load() || fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ReapDone();
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    {
      std::lock_guard<std::mutex> lock(conn_mu);
      auto conn = std::make_unique<TlsConn>();
      TlsConn* c = conn.get();
      c->fd = fd;
      conns.push_back(std::move(conn));
      c->thread = std::thread([this, c] { ServeConn(c); });
    }
    // Counted once its thread exists, so a waiter sees the connection fully set up.
    std::lock_guard<std::mutex> lock(mu);
    ++accepted;
    counts_cv.notify_all();
  }
}

void TlsTestServer::Impl::StopAll() {
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    stopping = true;
  }
  stop_cv.notify_all();
  if (wake_fds[1] >= 0) {
    char b = 'x';
    [[maybe_unused]] ssize_t n = ::write(wake_fds[1], &b, 1);
  }
  if (acceptor.joinable()) acceptor.join();
  std::list<std::unique_ptr<TlsConn>> all;
  {
    // The acceptor is gone: no connection can be added any more. Shutting the sockets
    // down wakes every SSL_accept, SSL_read and recv blocked on them.
    std::lock_guard<std::mutex> lock(conn_mu);
    for (auto& c : conns) ::shutdown(c->fd, SHUT_RDWR);
    all.swap(conns);
  }
  for (auto& c : all) {
    c->thread.join();
    ::close(c->fd);
  }
  for (int* fd : {&listen_fd, &wake_fds[0], &wake_fds[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

TlsTestServer::TlsTestServer(std::vector<TlsStep> script) : impl_(std::make_unique<Impl>()) {
  SetScript(std::move(script));
  if (!impl_->MakeIdentity()) impl_->ctx.reset();  // Start() then reports -1
}

TlsTestServer::~TlsTestServer() { Stop(); }

int TlsTestServer::Start() {
  Impl& s = *impl_;
  if (s.port > 0) return s.port;
  if (s.stopping.load() || !s.ctx) return -1;
  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (s.listen_fd < 0 || ::bind(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(s.listen_fd, 64) != 0 ||
      ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(s.wake_fds, O_CLOEXEC) != 0) {
    s.StopAll();
    return -1;
  }
  s.port = ntohs(addr.sin_port);
  s.acceptor = std::thread([&s] { s.AcceptLoop(); });
  return s.port;
}

int TlsTestServer::port() const { return impl_->port; }

std::string TlsTestServer::BaseUrl() const {
  return "https://127.0.0.1:" + std::to_string(impl_->port);
}

std::string TlsTestServer::CertificatePem() const { return impl_->identity.pem; }

void TlsTestServer::SetScript(std::vector<TlsStep> script) {
  if (script.empty()) script.push_back(TlsStep::Reply(200, "{}"));
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->script = std::move(script);
  impl_->next_step = 0;
}

int TlsTestServer::ConnectionsAccepted() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->accepted;
}

int TlsTestServer::RequestsRead() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

std::optional<TlsRecordedRequest> TlsTestServer::LastRequest() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->last;
}

bool TlsTestServer::WaitForConnections(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->counts_cv.wait_for(lock, timeout, [&] { return impl_->accepted >= n; });
}

bool TlsTestServer::WaitForRequests(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->counts_cv.wait_for(lock, timeout, [&] { return impl_->requests >= n; });
}

void TlsTestServer::Stop() { impl_->StopAll(); }

}  // namespace detour::testing
