// Outbound HTTP for providers: one exchange at a time per call, pooled keep-alive
// connections per origin, and deadlines that really fire.
//
// Deadlines: per-recv() timeouts never trip on an upstream that trickles a byte a second.
// Here every exchange carries a net::Deadline: every wait (connect, TLS, send, each read)
// ends at it (silent upstream), and every piece of body is checked against it before it
// is handed on (trickling upstream). The caller may move the deadline while the exchange
// runs (a stream moves it to now + idle_timeout after every chunk). A cancel flag ends
// every wait of the exchange within fiber::kCancelSweep (20 ms) of being set, and is
// looked at before every piece. A waiting exchange does not wake to look at the flag:
// its scheduler's sweep does (util/fiber.h), so a thousand slow streams cost nothing
// between their chunks.
//
// Where it runs: on a fiber (serve) a wait parks the fiber; on a thread (chat, prober,
// tests) it polls. Pooled connections belong to the scheduler whose fiber opened them.
//
// Thread-safety: HttpClient is safe for concurrent calls; each call uses its own pooled
// connection and never holds a lock across network I/O.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/types.h"
#include "util/expected.h"

namespace detour::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A point in time the caller may move while an exchange runs. Lock-free.
class Deadline {
 public:
  explicit Deadline(TimePoint at) : ns_(at.time_since_epoch().count()) {}
  void Set(TimePoint at) { ns_.store(at.time_since_epoch().count(), std::memory_order_relaxed); }
  TimePoint Get() const {
    return TimePoint(SteadyClock::duration(ns_.load(std::memory_order_relaxed)));
  }
  bool Passed(TimePoint now) const { return now >= Get(); }

 private:
  std::atomic<SteadyClock::rep> ns_;
};

struct Request {
  std::string method = "POST";
  std::string url;  // absolute: "https://api.openai.com/v1/chat/completions?x=y"
  Headers headers;
  std::string body;
  bool tls_verify = true;
  Deadline* deadline = nullptr;  // required; owned by the caller, outlives the call
  const CancelFlag* cancel = nullptr;  // optional; true aborts the exchange promptly
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  // Case-insensitive header lookup; empty when absent.
  std::string Header(std::string_view name) const;
};

enum class Failure {
  kConnect,   // refused, unreachable, DNS
  kTimeout,   // the Deadline passed (connect, silent or trickling upstream)
  kReset,     // connection closed or reset before the exchange completed
  kTls,       // handshake or certificate verification failed
  kCanceled,  // the caller's cancel flag or a handler returning false
  kOther,
};

struct TransportError {
  Failure what = Failure::kOther;
  std::string message;        // no secrets: never contains headers or bodies
  bool got_headers = false;   // the status line had arrived before the failure
};

// Callbacks of a streamed exchange, called on the calling thread in order:
// OnHeaders once, then OnData for each piece of the body as it arrives (any split).
// Returning false from either stops the exchange (Failure::kCanceled).
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual bool OnHeaders(int status, const Headers& headers) = 0;
  virtual bool OnData(const char* data, size_t size) = 0;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Whole exchange, body buffered. Any HTTP status is a Response, not an error.
  virtual Expected<Response, TransportError> Send(const Request& req) = 0;
  // Streamed exchange. Returns the HTTP status once the body has ended cleanly.
  virtual Expected<int, TransportError> Stream(const Request& req, StreamHandler& handler) = 0;
};

struct ClientOptions {
  size_t max_idle_per_origin = 64;  // idle keep-alive connections kept per scheme://host:port
};

// The production client: own HTTP/1.1 (net/http1.h) over net::Socket, OpenSSL with the
// system CA store, pooled per origin, TCP_NODELAY, deadline-bounded waits.
std::unique_ptr<HttpClient> MakeHttpClient(ClientOptions options = {});

}  // namespace detour::net
