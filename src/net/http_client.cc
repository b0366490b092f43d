// The production HttpClient: cpp-httplib exchanges on pooled connections, with the
// Deadline enforced twice: by the watchdog (silent upstream, connect, TLS) and by the
// content receiver on every piece (trickling upstream).
#include "net/http_client.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <mutex>
#include <string_view>

#include "net/pool.h"
#include "net/url.h"
#include "net/watchdog.h"

namespace detour::net {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Why our own callbacks stopped the exchange, if they did.
enum class Stop { kNone, kHandler, kDeadline, kCancel };

struct Callbacks {
  std::function<bool(int status, const Headers& headers)> on_headers;
  std::function<bool(const char* data, size_t size)> on_data;
};

TransportError MakeError(Failure what, const Url& url, std::string_view why, bool got_headers) {
  TransportError e;
  e.what = what;
  e.message = url.Origin() + ": " + std::string(why);
  e.got_headers = got_headers;
  return e;
}

Failure MapHttplibError(httplib::Error err) {
  switch (err) {
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
      return Failure::kConnect;
    case httplib::Error::ConnectionTimeout:
      return Failure::kTimeout;
    case httplib::Error::Read:
    case httplib::Error::Write:
      return Failure::kReset;
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return Failure::kTls;
    case httplib::Error::Canceled:
      return Failure::kCanceled;
    default:
      return Failure::kOther;
  }
}

std::string Describe(Failure f, httplib::Error err) {
  switch (f) {
    case Failure::kConnect: return "connect failed (" + httplib::to_string(err) + ")";
    case Failure::kTimeout: return "deadline passed";
    case Failure::kReset: return "connection closed or reset (" + httplib::to_string(err) + ")";
    case Failure::kTls: return "TLS failed (" + httplib::to_string(err) + ")";
    case Failure::kCanceled: return "canceled";
    default: return "transport error (" + httplib::to_string(err) + ")";
  }
}

// Decides the failure: our own reasons first (they explain httplib's error), then the
// library's error; a read or write error once the deadline has passed is a timeout.
Failure Classify(Stop stop, Fired fired, httplib::Error err, const Deadline& deadline) {
  if (stop == Stop::kDeadline || fired == Fired::kDeadline) return Failure::kTimeout;
  if (stop == Stop::kCancel || stop == Stop::kHandler || fired == Fired::kCancel) {
    return Failure::kCanceled;
  }
  Failure f = MapHttplibError(err);
  if ((f == Failure::kReset || f == Failure::kOther || f == Failure::kCanceled) &&
      deadline.Passed(SteadyClock::now())) {
    return Failure::kTimeout;
  }
  return f;
}

Headers ToHeaders(const httplib::Headers& in) {
  Headers out;
  out.reserve(in.size());
  for (const auto& [k, v] : in) out.emplace_back(k, v);
  return out;
}

// Per-exchange state shared by the callbacks below (all on the calling thread).
struct ExchangeState {
  const Deadline* deadline;
  const CancelFlag* cancel;
  bool got_headers = false;
  Stop stop = Stop::kNone;
  bool ShouldStop() {
    if (cancel && cancel->load(std::memory_order_relaxed)) stop = Stop::kCancel;
    else if (deadline->Passed(SteadyClock::now())) stop = Stop::kDeadline;
    return stop != Stop::kNone;
  }
};

// Every piece is checked against the deadline and the cancel flag before it is handed
// on: that is what cuts an upstream trickling bytes slower than any recv timeout.
void InstallCallbacks(httplib::Request& hreq, const Callbacks& cb, ExchangeState& state) {
  hreq.response_handler = [&cb, &state](const httplib::Response& res) {
    state.got_headers = true;
    if (state.ShouldStop()) return false;
    if (!cb.on_headers(res.status, ToHeaders(res.headers))) state.stop = Stop::kHandler;
    return state.stop == Stop::kNone;
  };
  hreq.content_receiver = [&cb, &state](const char* data, size_t size, uint64_t, uint64_t) {
    if (state.ShouldStop()) return false;
    if (!cb.on_data(data, size)) state.stop = Stop::kHandler;
    return state.stop == Stop::kNone;
  };
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

class HttplibClient : public HttpClient {
 public:
  explicit HttplibClient(ClientOptions options) : pool_(options.max_idle_per_origin) {
    IgnoreSigpipeOnce();
  }

  Expected<Response, TransportError> Send(const Request& req) override {
    Response response;
    Callbacks cb;
    cb.on_headers = [&](int status, const Headers& headers) {
      response.status = status;
      response.headers = headers;
      return true;
    };
    cb.on_data = [&](const char* data, size_t size) {
      response.body.append(data, size);
      return true;
    };
    auto status = Exchange(req, cb);
    if (!status.ok()) return Fail(std::move(status.error()));
    response.status = *status;
    return response;
  }

  Expected<int, TransportError> Stream(const Request& req, StreamHandler& handler) override {
    Callbacks cb;
    cb.on_headers = [&](int status, const Headers& headers) {
      return handler.OnHeaders(status, headers);
    };
    cb.on_data = [&](const char* data, size_t size) { return handler.OnData(data, size); };
    return Exchange(req, cb);
  }

 private:
  Expected<int, TransportError> Exchange(const Request& req, const Callbacks& cb);
  static httplib::Request BuildRequest(const Request& req, const Url& url);

  ClientPool pool_;
};

httplib::Request HttplibClient::BuildRequest(const Request& req, const Url& url) {
  httplib::Request out;
  out.method = req.method;
  out.path = url.target;
  for (const auto& [k, v] : req.headers) out.headers.emplace(k, v);
  out.body = req.body;
  if (!out.body.empty() && !out.has_header("Content-Type")) {
    out.headers.emplace("Content-Type", "application/json");
  }
  return out;
}

Expected<int, TransportError> HttplibClient::Exchange(const Request& req, const Callbacks& cb) {
  auto url = ParseUrl(req.url);
  if (!url.ok()) {
    TransportError e;
    e.message = url.error();
    return Fail(std::move(e));
  }
  // A missing deadline would let a silent upstream hold the caller forever: use a day.
  Deadline fallback(SteadyClock::now() + std::chrono::hours(24));
  const Deadline& deadline = req.deadline ? *req.deadline : fallback;
  const CancelFlag* cancel = req.cancel;
  if (cancel && cancel->load()) return Fail(MakeError(Failure::kCanceled, *url, "canceled", false));
  auto remaining = deadline.Get() - SteadyClock::now();
  if (remaining <= SteadyClock::duration::zero()) {
    return Fail(MakeError(Failure::kTimeout, *url, "deadline passed before connect", false));
  }

  ClientPtr client = pool_.Acquire(*url, req.tls_verify);
  // At least 1 ms: httplib turns this into a poll() timeout in whole milliseconds.
  auto micros = std::max<int64_t>(
      1000, std::chrono::duration_cast<std::chrono::microseconds>(remaining).count());
  client->set_connection_timeout(micros / 1000000, micros % 1000000);

  httplib::Request hreq = BuildRequest(req, *url);
  ExchangeState state{&deadline, cancel};
  InstallCallbacks(hreq, cb, state);

  WatchEntry entry;
  entry.deadline = &deadline;
  entry.cancel = cancel;
  entry.cut = [client] { client->stop(); };
  Watchdog::Get().Add(&entry);
  httplib::Response hres;
  httplib::Error err = httplib::Error::Success;
  bool ok = client->send(hreq, hres, err);
  Fired fired = Watchdog::Get().Remove(&entry);
  entry.cut = nullptr;

  if (ok && state.stop == Stop::kNone) {
    // A cut connection, or one the server closed, never goes back to the pool.
    if (fired == Fired::kNone && client->is_socket_open()) {
      pool_.Release(*url, req.tls_verify, std::move(client));
    }
    return hres.status;
  }
  Failure f = Classify(state.stop, fired, err, deadline);
  return Fail(MakeError(f, *url, Describe(f, err), state.got_headers));
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::unique_ptr<HttpClient> MakeHttpClient(ClientOptions options) {
  return std::make_unique<HttplibClient>(options);
}

}  // namespace detour::net
