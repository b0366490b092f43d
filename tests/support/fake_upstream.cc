// The fake upstream's server: listener, one thread per connection, routing of requests
// to script steps, recording, control endpoints and an orderly Stop.
#include "support/fake_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>

#include "support/fake_http.h"
#include "support/fake_respond.h"

namespace detour::testing {

struct Conn {
  std::thread thread;
  int fd = -1;  // closed only by the thread that joins (or the reset path, under conn_mu)
  std::atomic<bool> done{false};
};

struct FakeUpstream::Impl {
  Options options;
  mutable std::mutex mu;  // script, hits, requests
  mutable std::condition_variable hits_cv;
  std::shared_ptr<const FakeScript> script = std::make_shared<FakeScript>();
  std::map<std::string, int> hits;
  std::vector<RecordedRequest> requests;

  std::mutex stop_mu;  // sleeps wait on stop_cv
  std::condition_variable stop_cv;
  std::atomic<bool> stopping{false};

  std::mutex conn_mu;
  std::list<std::unique_ptr<Conn>> conns;
  std::atomic<int> accepted{0};

  int listen_fd = -1;
  int port = -1;
  std::thread acceptor;
  std::chrono::steady_clock::time_point started;

  void AcceptLoop();
  void ReapDone();
  void ServeConn(Conn* c);
  bool HandleControl(const HttpRequestIn& req, int fd);
  const FakeStep* Pick(const HttpRequestIn& req, std::shared_ptr<const FakeScript>* hold, size_t* index);
  bool Sleep(int ms);
  // Sleeps like Sleep, but gives up (false) when the peer closes `fd`, and records when
  // on request `index`.
  bool SleepWatching(int fd, int ms, size_t index);
  void Mark(size_t index, double RecordedRequest::*field);
  void ResetClose(Conn* c);
};

namespace {

bool SendJson(int fd, int status, const Json& body, bool keep_alive) {
  std::string text = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out = StatusLine(status) + "Content-Type: application/json\r\nContent-Length: " +
                    std::to_string(text.size()) + "\r\nConnection: " +
                    (keep_alive ? "keep-alive" : "close") + "\r\n\r\n" + text;
  return SendAll(fd, out);
}

// Blocks until the peer closes or Stop shuts the socket down; discards what arrives.
void DrainUntilClosed(int fd) {
  char tmp[4096];
  for (;;) {
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    return;
  }
}

}  // namespace

bool FakeUpstream::Impl::Sleep(int ms) {
  std::unique_lock<std::mutex> lock(stop_mu);
  return !stop_cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping.load(); });
}

void FakeUpstream::Impl::ResetClose(Conn* c) {
  std::lock_guard<std::mutex> lock(conn_mu);
  if (c->fd < 0) return;
  linger lg{1, 0};  // close now with RST, no FIN
  ::setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(c->fd);
  c->fd = -1;
}

bool FakeUpstream::Impl::SleepWatching(int fd, int ms, size_t index) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    if (stopping.load()) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    pollfd p{fd, POLLRDHUP, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 20)));
    if (n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
      Mark(index, &RecordedRequest::closed_ms);
      return false;
    }
  }
}

void FakeUpstream::Impl::Mark(size_t index, double RecordedRequest::*field) {
  std::lock_guard<std::mutex> lock(mu);
  if (index < requests.size())
    requests[index].*field =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
}

const FakeStep* FakeUpstream::Impl::Pick(const HttpRequestIn& req,
                                         std::shared_ptr<const FakeScript>* hold, size_t* index) {
  std::lock_guard<std::mutex> lock(mu);
  *hold = script;
  const std::vector<FakeStep>* steps = nullptr;
  std::string route = "(none)";
  for (const auto& [prefix, list] : script->routes) {
    if (req.path.compare(0, prefix.size(), prefix) != 0) continue;
    if (steps == nullptr || prefix.size() > route.size()) {
      steps = &list;
      route = prefix;
    }
  }
  const FakeStep* step = nullptr;
  if (steps != nullptr) {
    int n = ++hits[route];
    step = &(*steps)[std::min<size_t>(n - 1, steps->size() - 1)];
  }
  *index = SIZE_MAX;
  if (requests.size() < options.max_recorded) {
    *index = requests.size();
    RecordedRequest r;
    r.at = std::chrono::steady_clock::now();
    r.time_ms = std::chrono::duration<double, std::milli>(r.at - started).count();
    r.method = req.method;
    r.path = req.target;
    r.headers = req.headers;
    r.body = req.body;
    r.route = route;
    requests.push_back(std::move(r));
  }
  hits_cv.notify_all();
  return step;
}

bool FakeUpstream::Impl::HandleControl(const HttpRequestIn& req, int fd) {
  if (req.method == "GET" && req.path == "/__hits") {
    std::lock_guard<std::mutex> lock(mu);
    return SendJson(fd, 200, HitsJson(hits), req.keep_alive);
  }
  if (req.method == "GET" && req.path == "/__requests") {
    std::lock_guard<std::mutex> lock(mu);
    return SendJson(fd, 200, RequestsJson(requests), req.keep_alive);
  }
  if (req.method == "GET" && req.path == "/__stats") {
    return SendJson(fd, 200, Json{{"connections_accepted", accepted.load()}}, req.keep_alive);
  }
  // POST /__script
  auto parsed = ScriptFromText(req.body);
  if (!parsed.ok()) return SendJson(fd, 400, Json{{"error", parsed.error()}}, req.keep_alive);
  {
    std::lock_guard<std::mutex> lock(mu);
    script = std::make_shared<FakeScript>(std::move(*parsed));
    hits.clear();
  }
  return SendJson(fd, 200, Json{{"ok", true}}, req.keep_alive);
}

void FakeUpstream::Impl::ServeConn(Conn* c) {
  RequestReader reader(c->fd);
  for (;;) {
    HttpRequestIn req;
    if (stopping.load() || !reader.Read(&req)) break;
    bool control = (req.method == "GET" && (req.path == "/__hits" || req.path == "/__requests" ||
                                            req.path == "/__stats")) ||
                   (req.method == "POST" && req.path == "/__script");
    if (control) {
      if (!HandleControl(req, c->fd) || !req.keep_alive) break;
      continue;
    }
    std::shared_ptr<const FakeScript> hold;
    size_t index = SIZE_MAX;
    const FakeStep* step = Pick(req, &hold, &index);
    if (step == nullptr) {
      Json err = {{"error", {{"message", "fake upstream: no route for " + req.path},
                             {"type", "not_found"}}}};
      if (!SendJson(c->fd, 404, err, req.keep_alive) || !req.keep_alive) break;
      continue;
    }
    ConnIo io;
    io.fd = c->fd;
    io.keep_alive = req.keep_alive;
    io.sleep = [this, c, index](int ms) { return SleepWatching(c->fd, ms, index); };
    io.first_token = [this, index] { Mark(index, &RecordedRequest::first_token_ms); };
    io.reset = [this, c] { ResetClose(c); };
    io.wait_silently = [c] { DrainUntilClosed(c->fd); };
    if (!Respond(*step, FactsOf(req.body), io)) break;
  }
  {
    std::lock_guard<std::mutex> lock(conn_mu);
    if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
  }
  c->done = true;  // last touch of *c by this thread
}

void FakeUpstream::Impl::ReapDone() {
  std::lock_guard<std::mutex> lock(conn_mu);
  for (auto it = conns.begin(); it != conns.end();) {
    Conn* c = it->get();
    if (!c->done.load()) {
      ++it;
      continue;
    }
    c->thread.join();
    if (c->fd >= 0) ::close(c->fd);
    it = conns.erase(it);
  }
}

void FakeUpstream::Impl::AcceptLoop() {
  for (;;) {
    int fd = ::accept(listen_fd, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping.load()) return;
      if (errno == EMFILE || errno == ENFILE) {  // out of descriptors: back off, retry
        Sleep(10);
        continue;
      }
      return;
    }
    if (stopping.load()) {
      ::close(fd);
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    accepted.fetch_add(1);
    ReapDone();
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    Conn* c = conn.get();
    std::lock_guard<std::mutex> lock(conn_mu);
    conns.push_back(std::move(conn));
    c->thread = std::thread([this, c] { ServeConn(c); });
  }
}

std::string RecordedRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

Json RecordedRequest::BodyJson() const { return Json::parse(body, nullptr, false); }

FakeUpstream::FakeUpstream() : FakeUpstream(FakeScript{}) {}

FakeUpstream::FakeUpstream(FakeScript script, Options options) : impl_(new Impl) {
  impl_->options = options;
  impl_->script = std::make_shared<FakeScript>(std::move(script));
}

FakeUpstream::~FakeUpstream() { Stop(); }

int FakeUpstream::Start(int port) {
  Impl& m = *impl_;
  if (m.listen_fd >= 0) return m.port;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 4096) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  m.listen_fd = fd;
  m.port = ntohs(addr.sin_port);
  m.stopping = false;
  m.started = std::chrono::steady_clock::now();
  m.acceptor = std::thread([&m] { m.AcceptLoop(); });
  return m.port;
}

int FakeUpstream::port() const { return impl_->port; }

std::string FakeUpstream::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void FakeUpstream::SetScript(FakeScript script) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->script = std::make_shared<FakeScript>(std::move(script));
  impl_->hits.clear();
}

int FakeUpstream::Hits(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->hits.find(prefix);
  return it == impl_->hits.end() ? 0 : it->second;
}

std::map<std::string, int> FakeUpstream::AllHits() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->hits;
}

std::vector<RecordedRequest> FakeUpstream::Requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

void FakeUpstream::ClearRequests() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->requests.clear();
}

bool FakeUpstream::WaitForHits(const std::string& prefix, int n,
                               std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->hits_cv.wait_for(lock, timeout, [&] {
    auto it = impl_->hits.find(prefix);
    return it != impl_->hits.end() && it->second >= n;
  });
}

int FakeUpstream::ConnectionsAccepted() const { return impl_->accepted.load(); }

void FakeUpstream::Stop() {
  Impl& m = *impl_;
  if (m.listen_fd < 0) return;
  {
    std::lock_guard<std::mutex> lock(m.stop_mu);
    m.stopping = true;
  }
  m.stop_cv.notify_all();
  ::shutdown(m.listen_fd, SHUT_RDWR);  // wakes accept()
  if (m.acceptor.joinable()) m.acceptor.join();
  ::close(m.listen_fd);
  m.listen_fd = -1;
  std::list<std::unique_ptr<Conn>> conns;
  {
    std::lock_guard<std::mutex> lock(m.conn_mu);
    for (auto& c : m.conns) {
      if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);  // wakes reads, sends and drains
    }
    conns.swap(m.conns);
  }
  for (auto& c : conns) {
    c->thread.join();
    if (c->fd >= 0) ::close(c->fd);
  }
}

Json HitsJson(const std::map<std::string, int>& hits) {
  Json j = Json::object();
  for (const auto& [prefix, n] : hits) j[prefix] = n;
  return j;
}

Json RequestsJson(const std::vector<RecordedRequest>& requests) {
  Json arr = Json::array();
  for (const auto& r : requests) {
    Json headers = Json::object();
    for (const auto& [k, v] : r.headers) headers[k] = v;
    arr.push_back({{"time_ms", r.time_ms},
                   {"method", r.method},
                   {"path", r.path},
                   {"headers", headers},
                   {"body", r.body},
                   {"route", r.route},
                   {"first_token_ms", r.first_token_ms < 0 ? Json() : Json(r.first_token_ms)},
                   {"closed_ms", r.closed_ms < 0 ? Json() : Json(r.closed_ms)}});
  }
  return arr;
}

}  // namespace detour::testing
