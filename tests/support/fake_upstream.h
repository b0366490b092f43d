// A scriptable fake HTTP/1.1 upstream on 127.0.0.1 for tests and the benchmark: raw POSIX
// sockets, one thread per connection, keep-alive, port 0 = ephemeral. What it answers is a
// FakeScript (fake_script.h documents the steps and their JSON form). It records every
// request and counts hits per route prefix.
//
// Control endpoints (never recorded or counted): GET /__hits -> {"<prefix>": n, ...};
// GET /__requests -> [{"time_ms", "method", "path", "headers", "body", "route",
// "first_token_ms", "closed_ms"}, ...] (the last two null unless they happened: when the
// first content event of a stream or the body was sent, and when the peer closed the
// connection while the answer was still being delayed or streamed);
// POST /__script with a JSON script replaces the script and resets the hit counters;
// GET /__stats -> {"connections_accepted": n}.
//
// Thread-safety: every method is safe from any thread while the server runs. Stop()
// (also run by the destructor) closes the listener and every connection and joins all
// threads, so a test that started a fake leaves no thread behind.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/fake_script.h"

namespace detour::testing {

struct RecordedRequest {
  std::chrono::steady_clock::time_point at;
  double time_ms = 0;  // since Start()
  std::string method;
  std::string path;  // the request target, query included
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string route;  // the prefix that answered; "(none)" when no route matched
  double first_token_ms = -1;  // since Start(): the first content event (or the body) was sent; -1: not
  double closed_ms = -1;       // since Start(): the peer closed before the answer was done; -1: not
  std::string Header(std::string_view name) const;  // case-insensitive; "" when absent
  Json BodyJson() const;  // discarded value when the body is not JSON
};

struct FakeUpstreamOptions {
  size_t max_recorded = 100000;  // requests past this are still counted, not kept
};

class FakeUpstream {
 public:
  using Options = FakeUpstreamOptions;
  FakeUpstream();
  explicit FakeUpstream(FakeScript script, Options options = {});
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  // Binds 127.0.0.1:port (0 = any free port) and starts serving. Returns the port, or
  // -1 when binding failed.
  int Start(int port = 0);
  int port() const;
  std::string BaseUrl() const;  // "http://127.0.0.1:<port>"
  // Replaces the script; restarts every route's steps and resets the hit counters.
  void SetScript(FakeScript script);
  int Hits(const std::string& prefix) const;
  std::map<std::string, int> AllHits() const;
  std::vector<RecordedRequest> Requests() const;
  void ClearRequests();
  bool WaitForHits(const std::string& prefix, int n, std::chrono::milliseconds timeout) const;
  int ConnectionsAccepted() const;
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// JSON forms used by the control endpoints.
Json HitsJson(const std::map<std::string, int>& hits);
Json RequestsJson(const std::vector<RecordedRequest>& requests);

}  // namespace detour::testing
