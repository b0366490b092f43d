// Inbound HTTP for `serve`: an HTTP/1.1 server with keep-alive, TCP_NODELAY, exact-path
// routes and responses that are either whole bodies or chunked streams whose status and
// headers are decided by the handler before the first byte (SPEC 8: a stream's status
// line is sent at commit).
//
// Concurrency: each connection runs on a fiber of its own (util/fiber.h), so handlers run
// on fibers: they may block only through fiber-aware waits (net sockets, fiber::CondVar,
// the clock's sleep). Handlers run concurrently; the server keeps no lock across them.
// Requests: Content-Length or chunked bodies up to max_body (413 above), Expect:
// 100-continue, pipelining, HTTP/1.0 and 1.1 keep-alive; heads over 64 KB get 431.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "model/types.h"
#include "net/http_client.h"
#include "util/expected.h"

namespace detour::net {

struct ServerRequest {
  std::string method;
  std::string path;   // without the query string
  std::string query;  // what followed '?', undecoded ("" when none)
  Headers headers;
  std::string body;
  std::string remote_addr;
  std::string Header(std::string_view name) const;  // case-insensitive; "" when absent
};

// Writes body pieces of a streamed response; false once the client has gone.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual bool Write(std::string_view data) = 0;
  // Ends the body abnormally: no terminating chunk is sent and the connection closes once
  // the source returns (with a TCP reset when `reset`), so the peer sees a truncated
  // response. For simulating upstreams that die mid-stream (src/sim).
  virtual void Cut(bool reset = false) {}
};

// Produces a streamed body on the connection's fiber. Return once the body is complete
// (or the writer failed); the server then ends the chunked response.
using BodySource = std::function<void(BodyWriter&)>;

struct ServerResponse;

// Writes a response whose status is not known when the handler returns (a stream decided
// at its first token, SPEC 8): Begin() sends the status line and headers of a chunked
// body, then Write() sends its pieces; or Answer() sends a whole response instead. One of
// the two, once.
class ResponseWriter : public BodyWriter {
 public:
  // `head`'s status, content type and headers, with chunked framing (its body and stream
  // are ignored). false once the client has gone.
  virtual bool Begin(ServerResponse& head) = 0;
  // A whole response (Content-Length), instead of a stream.
  virtual bool Answer(ServerResponse& res) = 0;
};

// Runs on the connection's fiber after the handler returned and writes the response
// through the writer; the server then ends a begun body (unless it was cut or failed).
// Nothing written at all is answered with a 500.
using DeferredResponse = std::function<void(ResponseWriter&)>;

struct ServerResponse {
  int status = 200;
  Headers headers;
  // A literal, or other text that outlives the response; empty sends no Content-Type. A
  // view, not a string: "application/json" is one byte past the short-string buffer, and
  // its copy was an allocation on every response.
  std::string_view content_type = "application/json";
  std::string body;
  BodySource stream;  // when set, `body` is ignored and the body is sent chunked
  // When set, nothing else here is sent: this writes the whole response (above).
  DeferredResponse deferred;
  // Instead of answering (src/sim's faults): kReset closes the connection with a TCP reset
  // before any byte; kHang sends nothing and holds the connection until the peer closes it
  // or the server shuts down.
  enum class Abort { kNone, kReset, kHang };
  Abort abort = Abort::kNone;
};

using Handler = std::function<void(const ServerRequest&, ServerResponse&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 4000;  // 0 = any free port
  size_t max_body = 8u << 20;
  int keep_alive_timeout_s = 30;
  // Answers requests no route matched and errors found before a handler ran (413 over
  // max_body, 431 head too large, 400 malformed). Called with the status already set.
  Handler on_error;
  // Answers requests no exact route matched, instead of a 404 through on_error (routes
  // with parameters in the path: src/sim).
  Handler fallback;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Registers an exact-path route. Call before Start.
  virtual void Route(const std::string& method, const std::string& path, Handler h) = 0;
  // Binds the listening socket; returns the bound port or why it failed.
  virtual Expected<int, std::string> Bind() = 0;
  // Serves until Stop(); returns once the listener has closed, while requests already
  // accepted (and their streams) go on: the caller decides how long to wait (InFlight).
  virtual void Run() = 0;
  // Closes the listener at once; in-flight requests go on. Safe from any thread.
  virtual void Stop() = 0;
  // Requests (and streams) currently being served.
  virtual size_t InFlight() const = 0;
  // Stop, and also end every open connection (both directions shut down): idle keep-alive
  // connections close and hangs end at once; a handler still running sees its writes
  // fail. Safe from any thread. For owners that must outlive no connection (src/sim).
  virtual void Shutdown() = 0;
  // Connections currently open (each one's fiber still running).
  virtual size_t Connections() const = 0;
};

std::unique_ptr<HttpServer> MakeHttpServer(ServerOptions options);

}  // namespace detour::net
