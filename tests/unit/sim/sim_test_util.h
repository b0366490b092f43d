// Helpers for the simulator tests: a fast trace, raw HTTP requests on loopback, and SSE
// event splitting. Test code only.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "config/trace.h"
#include "sim/simulator.h"
#include "unit/net/raw_client.h"

namespace detour::sim_test {

// A trace whose answers come back in milliseconds: first token 5 ms, 2000 tokens/s,
// `completion` tokens. Faults are added by the test.
inline Trace FastTrace(int completion = 5) {
  Trace t;
  t.name = "test";
  t.duration = Millis(3600000);
  t.traffic.completion_tokens = completion;
  t.baseline.first_token = Millis(5);
  t.baseline.tokens_per_second = 2000;
  t.baseline.error_rate = 0;
  return t;
}

inline TraceFault Fault(FaultKind kind, FaultTarget::Kind tk = FaultTarget::Kind::kAll,
                        std::string name = "") {
  TraceFault f;
  f.kind = kind;
  f.target.kind = tk;
  f.target.name = std::move(name);
  f.from = Millis(0);
  f.to = Millis(3600000);
  f.rate = 1.0;
  if (kind == FaultKind::kHttpError) f.status = 503;
  if (kind == FaultKind::kRateLimit) f.status = 429;
  return f;
}

// A 503 on every request between from_ms and to_ms of trace time.
inline TraceFault Outage(int64_t from_ms, int64_t to_ms) {
  TraceFault f = Fault(FaultKind::kHttpError);
  f.from = Millis(from_ms);
  f.to = Millis(to_ms);
  return f;
}

inline std::unique_ptr<sim::Simulator> StartSim(const Trace& t, uint64_t seed = 1) {
  sim::SimOptions o;
  o.seed = seed;
  auto s = sim::Simulator::Start(t, o);
  REQUIRE(s.ok());
  return std::move(*s);
}

inline int PortOf(const sim::Simulator& s) {
  const std::string root = s.Root();
  return std::stoi(root.substr(root.rfind(':') + 1));
}

inline std::string Request(const std::string& method, const std::string& target,
                           const std::string& body, const std::string& extra = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Sends one request, returns the whole response (nullopt: no complete response).
inline std::optional<rawhttp::RawResponse> Call(const sim::Simulator& s, const std::string& method,
                                                const std::string& target, const std::string& body,
                                                int timeout_ms = 5000) {
  rawhttp::RawConn c;
  REQUIRE(c.Connect(PortOf(s)));
  REQUIRE(c.Send(Request(method, target, body)));
  return c.ReadResponse(std::chrono::milliseconds(timeout_ms));
}

// Sends a request on a plain socket and reports how the connection ended: "reset" (RST
// before any byte), "closed" (FIN), "bytes" (something arrived) or "timeout".
inline std::string Ending(int port, const std::string& request, int timeout_ms = 5000) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  pollfd p{fd, POLLIN, 0};
  std::string out = "timeout";
  if (::poll(&p, 1, timeout_ms) == 1) {
    char c;
    ssize_t n = ::recv(fd, &c, 1, 0);
    out = n > 0 ? "bytes" : n == 0 ? "closed" : errno == ECONNRESET ? "reset" : "error";
  }
  ::close(fd);
  return out;
}

// "data: x\n\n" events of an SSE body, each without its trailing blank line.
inline std::vector<std::string> Events(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t end; (end = body.find("\n\n", pos)) != std::string::npos; pos = end + 2)
    out.push_back(body.substr(pos, end - pos));
  return out;
}

}  // namespace detour::sim_test
