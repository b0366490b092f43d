// The production HttpClient: HTTP/1.1 over net::Socket (TLS via OpenSSL), pooled
// keep-alive connections, and the Deadline checked on every wait and every piece of body.
// On a fiber each wait parks the fiber; on a thread it polls (util/fiber.h).
#include "net/http_client.h"

#include <algorithm>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "model/clock.h"
#include "net/conn_pool.h"
#include "net/http1.h"
#include "net/socket.h"
#include "net/url.h"
#include "util/ascii.h"
#include "util/fiber.h"

namespace detour::net {
namespace {

struct Callbacks {
  // The headers are the callee's to take (moved from): the exchange is done with them.
  std::function<bool(int status, Headers& headers)> on_headers;
  std::function<bool(const char* data, size_t size)> on_data;
};

std::string HostHeader(const Url& url) {
  bool v6 = url.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + url.host + "]" : url.host;
  bool default_port = (url.scheme == "https" && url.port == 443) ||
                      (url.scheme == "http" && url.port == 80);
  if (!default_port) h += ":" + std::to_string(url.port);
  return h;
}

// The request head (the body goes beside it in the same gathered write). Returns what
// cannot be sent (a header whose value has a line break, e.g. a key read from a file with
// its trailing newline; never the value itself), or nothing.
std::optional<std::string> SerializeRequest(const Request& req, const Url& url, std::string& out) {
  out.reserve(256);
  if (!http1::AppendRequestLine(out, req.method, url.target)) return "the request line";
  http1::AppendHeaderLine(out, "Host", HostHeader(url));
  bool has_type = false;
  for (const auto& [k, v] : req.headers) {
    if (EqualsIgnoreCase(k, "Host") || EqualsIgnoreCase(k, "Content-Length") ||
        EqualsIgnoreCase(k, "Transfer-Encoding") || EqualsIgnoreCase(k, "Connection")) {
      continue;
    }
    if (!http1::AppendHeaderLine(out, k, v)) return "request header \"" + k + "\"";
    has_type = has_type || EqualsIgnoreCase(k, "Content-Type");
  }
  if (!req.body.empty() && !has_type) http1::AppendHeaderLine(out, "Content-Type", "application/json");
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT") {
    http1::AppendHeaderLine(out, "Content-Length", std::to_string(req.body.size()));
  }
  out.append("\r\n");
  return std::nullopt;
}

// One exchange on one connection (or two, when a pooled connection turned out stale).
class Exchange {
 public:
  Exchange(const Request& req, const Url& url, const std::string& pool_key, const Deadline& deadline,
           const Callbacks& cb, ConnPool& pool)
      : req_(req), url_(url), deadline_(deadline), cb_(cb), pool_(pool), key_(pool_key) {}

  Expected<int, TransportError> Run();

 private:
  enum class Step { kDone, kStale, kFailed };
  Step Attempt(bool reused);
  bool OpenNew();
  bool SendRequest();
  bool ReadMore();
  bool ReadHead(http1::ResponseHead* head, size_t* consumed);
  bool ReadBody(const http1::BodyFraming& framing, bool* reusable);
  bool Deliver(const char* data, size_t size);
  bool Canceled() const;
  bool Stopped();
  void FailWith(Failure what, std::string why);
  void FailWaitEnded(const char* doing);

  const Request& req_;
  const Url& url_;
  const Deadline& deadline_;
  const Callbacks& cb_;
  ConnPool& pool_;
  const std::string& key_;
  std::string head_;
  std::unique_ptr<Socket> conn_;
  std::string buf_;
  bool got_headers_ = false;
  bool got_bytes_ = false;
  bool closed_ = false;  // the last ReadMore saw an orderly end of stream
  int status_ = 0;
  TransportError error_;
};

void Exchange::FailWith(Failure what, std::string why) {
  error_.what = what;
  error_.message = url_.Origin() + ": " + why;
  error_.got_headers = got_headers_;
}

// A socket wait that ended with kTimeout ended for one of two reasons: the request's cancel
// flag (a client that left, a hedge that lost) or the deadline. A cancel is not the
// upstream's slowness, so it must not be reported (and counted against it) as a timeout.
void Exchange::FailWaitEnded(const char* doing) {
  if (Canceled()) FailWith(Failure::kCanceled, "canceled");
  else FailWith(Failure::kTimeout, std::string("deadline passed ") + doing);
}

bool Exchange::Canceled() const {
  return req_.cancel && req_.cancel->load(std::memory_order_relaxed);
}

bool Exchange::Stopped() {
  if (Canceled()) {
    FailWith(Failure::kCanceled, "canceled");
    return true;
  }
  if (deadline_.Passed(SystemClock().Now())) {
    FailWith(Failure::kTimeout, "deadline passed");
    return true;
  }
  return false;
}

Expected<int, TransportError> Exchange::Run() {
  if (Stopped()) return Fail(error_);
  // Written once, before any I/O: a stale connection's resend reuses it.
  if (auto bad = SerializeRequest(req_, url_, head_)) {
    FailWith(Failure::kOther, *bad + " cannot be sent (line break or bad name)");
    return Fail(error_);
  }
  conn_ = pool_.Acquire(key_);
  bool reused = conn_ != nullptr;
  if (reused) conn_->WatchCancel(req_.cancel);
  Step step = Attempt(reused);
  // A pooled connection the server closed just as it was reused fails before any byte
  // comes back: the server never read the request, so it goes once more on a new one.
  if (step == Step::kStale) step = Attempt(false);
  if (step == Step::kDone) return status_;
  return Fail(error_);
}

Exchange::Step Exchange::Attempt(bool reused) {
  buf_.clear();
  if (!reused && !OpenNew()) return Step::kFailed;
  if (!SendRequest()) return reused && error_.what == Failure::kReset ? Step::kStale : Step::kFailed;
  // The answer cannot be there yet: wait before the first read instead of a read that
  // would find nothing (one system call less per exchange). A hint only.
  conn_->WaitReadable(deadline_.Get());
  http1::ResponseHead head;
  size_t consumed = 0;
  if (!ReadHead(&head, &consumed)) {
    // Only an orderly close with no byte back: a reset may come from a server that read
    // the request (and may have acted on it), so that one is not sent again.
    bool stale = reused && !got_bytes_ && closed_;
    return stale ? Step::kStale : Step::kFailed;
  }
  buf_.erase(0, consumed);
  auto framing = http1::ResponseFraming(req_.method, head.status, head.headers);
  if (!framing.ok()) {
    FailWith(Failure::kOther, "malformed response (" + framing.error() + ")");
    return Step::kFailed;
  }
  status_ = head.status;
  bool keep_alive = http1::KeepAlive(head.minor_version, head.headers);
  if (!cb_.on_headers(head.status, head.headers)) {
    FailWith(Failure::kCanceled, "canceled");
    return Step::kFailed;
  }
  bool reusable = false;
  if (!ReadBody(*framing, &reusable)) return Step::kFailed;
  if (reusable && keep_alive) {
    conn_->WatchCancel(nullptr);  // the flag belongs to this request, not the connection
    pool_.Release(key_, std::move(conn_));
  }
  return Step::kDone;
}

bool Exchange::OpenNew() {
  conn_.reset();
  std::string why;
  std::unique_ptr<Socket> sock;
  IoStatus st = Connect(url_.host, url_.port, deadline_.Get(), &sock, &why, req_.cancel);
  if (st == IoStatus::kTimeout) {
    FailWaitEnded("while connecting");
    return false;
  }
  if (st != IoStatus::kOk) {
    FailWith(Failure::kConnect, why);
    return false;
  }
  sock->WatchCancel(req_.cancel);  // from the TLS handshake on
  if (url_.scheme == "https") {
    st = sock->StartTls(url_.host, req_.tls_verify, deadline_.Get(), &why);
    if (st == IoStatus::kTimeout) {
      FailWaitEnded("during the TLS handshake");
      return false;
    }
    if (st != IoStatus::kOk) {
      FailWith(Failure::kTls, "TLS failed (" + why + ")");
      return false;
    }
  }
  conn_ = std::move(sock);
  return true;
}

bool Exchange::SendRequest() {
  // Head and body in one system call (one segment when small), the body not copied.
  IoStatus st = conn_->WriteParts({head_, req_.body}, deadline_.Get());
  if (st == IoStatus::kOk) return true;
  if (st == IoStatus::kTimeout) FailWaitEnded("while sending");
  else FailWith(Failure::kReset, "connection closed or reset while sending");
  return false;
}

// Appends what arrives next to buf_; false with error_ set on failure or end of stream
// (closed_ tells an orderly end).
bool Exchange::ReadMore() {
  for (;;) {
    if (Stopped()) return false;
    IoStatus st = conn_->ReadAppend(buf_, deadline_.Get());
    if (st == IoStatus::kOk) {
      got_bytes_ = true;
      return true;
    }
    if (st == IoStatus::kTimeout) continue;  // the cancel flag, or the deadline: re-check
    closed_ = st == IoStatus::kClosed;
    FailWith(Failure::kReset, got_headers_ ? "connection closed or reset mid-body"
                                           : "connection closed or reset before a response");
    return false;
  }
}

bool Exchange::ReadHead(http1::ResponseHead* head, size_t* consumed) {
  for (;;) {
    std::string why;
    auto st = buf_.empty() ? http1::ParseStatus::kIncomplete
                           : http1::ParseResponseHead(buf_, head, consumed, &why);
    if (st == http1::ParseStatus::kDone) {
      // Interim responses (100 Continue, 103 Early Hints) precede the real one.
      if (head->status >= 100 && head->status < 200 && head->status != 101) {
        buf_.erase(0, *consumed);
        *head = {};
        continue;
      }
      got_headers_ = true;
      return true;
    }
    if (st != http1::ParseStatus::kIncomplete) {
      FailWith(Failure::kOther, "malformed response head (" + why + ")");
      return false;
    }
    if (!ReadMore()) return false;
  }
}

bool Exchange::Deliver(const char* data, size_t size) {
  if (size == 0) return true;
  if (Stopped()) return false;  // a trickling upstream is cut here, piece by piece
  if (!cb_.on_data(data, size)) {
    FailWith(Failure::kCanceled, "canceled");
    return false;
  }
  return true;
}

bool Exchange::ReadBody(const http1::BodyFraming& framing, bool* reusable) {
  using Kind = http1::BodyFraming::Kind;
  if (framing.kind == Kind::kNone) {
    *reusable = buf_.empty();
    return true;
  }
  if (framing.kind == Kind::kLength) {
    uint64_t left = framing.length;
    for (;;) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(left, buf_.size()));
      if (!Deliver(buf_.data(), take)) return false;
      left -= take;
      *reusable = buf_.size() == take;
      buf_.clear();
      if (left == 0) return true;
      if (!ReadMore()) return false;
    }
  }
  if (framing.kind == Kind::kChunked) {
    http1::ChunkedDecoder decoder;
    std::string out;
    for (;;) {
      size_t used = 0;
      out.clear();
      auto st = decoder.Feed(buf_.data(), buf_.size(), &used, &out);
      if (st == http1::ChunkedDecoder::Status::kError) {
        FailWith(Failure::kOther, "malformed chunked body");
        return false;
      }
      if (!Deliver(out.data(), out.size())) return false;
      if (st == http1::ChunkedDecoder::Status::kDone) {
        *reusable = used == buf_.size();
        return true;
      }
      buf_.clear();
      if (!ReadMore()) return false;
    }
  }
  // Until close: the end of the connection is the end of the body.
  for (;;) {
    if (!Deliver(buf_.data(), buf_.size())) return false;
    buf_.clear();
    if (!ReadMore()) return closed_;
  }
}

void IgnoreSigpipeOnce() {
  // OpenSSL writes with write(2): a peer that vanished would otherwise kill the process.
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
}

// A parsed URL and its pool keys. A process sends to its deployments' few URLs, so each is
// parsed once per scheduler thread (the pool key names the thread) and shared by the
// exchanges that use it; no URL parsing or key building per request.
struct Target {
  Url url;
  std::string key_verify, key_noverify;
};

std::shared_ptr<const Target> TargetOf(const std::string& text, std::string* error) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const Target>> cache;
  if (auto it = cache.find(text); it != cache.end()) return it->second;
  auto url = ParseUrl(text);
  if (!url.ok()) {
    *error = url.error();
    return nullptr;
  }
  auto t = std::make_shared<Target>();
  t->url = std::move(url.value());
  int sched = fiber::CurrentSchedulerIndex();
  t->key_verify = ConnPool::Key(sched, t->url, true);
  t->key_noverify = ConnPool::Key(sched, t->url, false);
  if (cache.size() >= 256) cache.clear();  // URLs that change (a test's ports): stay bounded
  cache.emplace(text, t);
  return t;
}

class Client : public HttpClient {
 public:
  explicit Client(ClientOptions options) : pool_(options.max_idle_per_origin) {
    IgnoreSigpipeOnce();
  }

  Expected<Response, TransportError> Send(const Request& req) override {
    Response response;
    Callbacks cb;
    cb.on_headers = [&](int status, Headers& headers) {
      response.status = status;
      response.headers = std::move(headers);
      return true;
    };
    cb.on_data = [&](const char* data, size_t size) {
      response.body.append(data, size);
      return true;
    };
    auto status = Run(req, cb);
    if (!status.ok()) return Fail(std::move(status.error()));
    return response;
  }

  Expected<int, TransportError> Stream(const Request& req, StreamHandler& handler) override {
    Callbacks cb;
    cb.on_headers = [&](int status, Headers& headers) {
      return handler.OnHeaders(status, headers);
    };
    cb.on_data = [&](const char* data, size_t size) { return handler.OnData(data, size); };
    return Run(req, cb);
  }

 private:
  Expected<int, TransportError> Run(const Request& req, const Callbacks& cb) {
    std::string error;
    auto target = TargetOf(req.url, &error);
    if (!target) {
      TransportError e;
      e.message = std::move(error);
      return Fail(std::move(e));
    }
    // A missing deadline would let a silent upstream hold the caller forever: use a day.
    Deadline fallback(SystemClock().Now() + std::chrono::hours(24));
    const std::string& key = req.tls_verify ? target->key_verify : target->key_noverify;
    Exchange ex(req, target->url, key, req.deadline ? *req.deadline : fallback, cb, pool_);
    return ex.Run();
  }

  ConnPool pool_;
};

}  // namespace

std::string Response::Header(std::string_view name) const {
  const std::string* v = http1::FindHeader(headers, name);
  return v ? *v : std::string();
}

std::unique_ptr<HttpClient> MakeHttpClient(ClientOptions options) {
  return std::make_unique<Client>(options);
}

}  // namespace detour::net
