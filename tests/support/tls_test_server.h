// A scriptable HTTPS/1.1 test server on 127.0.0.1 (port 0 = ephemeral) for pinning the
// outbound client's TLS behaviour. Its self-signed certificate (EC P-256, SAN DNS:localhost
// and IP:127.0.0.1) is generated in memory at construction; CertificatePem() lets a test
// trust it. One thread per accepted connection; connections are kept alive and requests
// carry Content-Length bodies (or none).
//
// Script: step i answers the i-th request the server reads (over all connections); the
// last step repeats. kSilentHandshake is decided per connection: when the step that would
// answer the next request is kSilentHandshake, an accepted connection never gets a TLS
// handshake (and so never a request).
//
// Thread-safety: every method is safe from any thread. Stop() (also run by the destructor)
// wakes every blocked thread, joins them all and closes every socket within ~100 ms.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace detour::testing {

using TlsHeaders = std::vector<std::pair<std::string, std::string>>;

struct TlsStep {
  enum class Mode {
    kReply,            // status + JSON body with Content-Length
    kChunked,          // text/event-stream body, Transfer-Encoding: chunked, one chunk per piece
    kSilent,           // handshake and read the request, then never answer
    kSilentHandshake,  // accept TCP, never do the TLS handshake
  };
  Mode mode = Mode::kReply;
  int status = 200;
  TlsHeaders headers;               // extra response headers (kReply, kChunked)
  std::string body = "{}";          // kReply
  std::vector<std::string> pieces;  // kChunked: each written (and flushed) as one chunk
  int delay_ms = 0;                 // kChunked: pause between two pieces

  static TlsStep Reply(int status, std::string json_body, TlsHeaders headers = {});
  static TlsStep Chunked(std::vector<std::string> pieces, int delay_ms);
  static TlsStep Silent();
  static TlsStep SilentHandshake();
};

struct TlsRecordedRequest {
  std::string method;
  std::string target;  // as sent: path and query
  TlsHeaders headers;  // in arrival order, names as sent
  std::string body;
  std::string server_name;  // SNI the client sent on this connection; "" when none
  std::string Header(std::string_view name) const;  // case-insensitive; "" when absent
};

class TlsTestServer {
 public:
  explicit TlsTestServer(std::vector<TlsStep> script = {TlsStep::Reply(200, "{}")});
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  // Binds 127.0.0.1:0 and starts serving. Returns the port, or -1 when the certificate
  // could not be made or binding failed.
  int Start();
  int port() const;
  std::string BaseUrl() const;  // "https://127.0.0.1:<port>"
  std::string CertificatePem() const;

  // Replaces the script and restarts it at its first step.
  void SetScript(std::vector<TlsStep> script);

  int ConnectionsAccepted() const;  // TCP connections, handshaken or not
  int RequestsRead() const;         // whole requests read, answered or not
  std::optional<TlsRecordedRequest> LastRequest() const;
  bool WaitForConnections(int n, std::chrono::milliseconds timeout) const;
  bool WaitForRequests(int n, std::chrono::milliseconds timeout) const;

  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace detour::testing
