// Shared by the HttpServer wire tests (http_server_test.cc, http_server_stream_test.cc):
// a server on an ephemeral loopback port run on its own thread (Served), fiber-aware
// bounded waits (Pause, Eventually, Signal), an echo handler and raw request builders.
// Test code only; every wait is a condition with a bounded timeout. A Served and a Signal
// may be shared by the test thread and handlers; nothing else here holds state.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "net/http_server.h"
#include "util/fiber.h"
#include "unit/net/raw_client.h"

namespace servertest {

using namespace std::chrono_literals;
using detour::net::HttpServer;
using detour::net::ServerOptions;
using detour::net::ServerRequest;
using detour::net::ServerResponse;
using rawhttp::RawConn;

// A pause that parks a fiber (handlers) or sleeps a thread (the test).
inline void Pause(std::chrono::milliseconds d) {
  detour::fiber::SleepUntil(detour::fiber::Clock::now() + d);
}

// Waits for a condition that has no notification of its own (InFlight, a counter),
// checking every millisecond, up to `timeout`. Fiber-aware, so handlers may use it.
inline bool Eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto until = detour::fiber::Clock::now() + timeout;
  while (!cond()) {
    if (detour::fiber::Clock::now() > until) return false;
    Pause(1ms);
  }
  return true;
}

// A server on an ephemeral loopback port, running on its own thread until destroyed.
class Served {
 public:
  explicit Served(const std::function<void(HttpServer&)>& routes, ServerOptions o = {}) {
    o.host = "127.0.0.1";
    o.port = 0;
    server_ = detour::net::MakeHttpServer(std::move(o));
    routes(*server_);
    auto port = server_->Bind();
    REQUIRE(port.ok());
    port_ = *port;
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] {
      server_->Run();
      run_returned_ = true;
    });
  }
  ~Served() { Stop(); }
  // Lets handlers still running (a test that failed early) end first: they use the test's
  // locals. Clients, declared after the server, are already closed by then.
  void Stop() {
    if (!thread_.joinable()) return;
    Eventually([&] { return server_->InFlight() == 0; }, 10s);
    server_->Stop();
    thread_.join();
  }
  HttpServer& server() { return *server_; }
  int port() const { return port_; }
  bool run_returned() const { return run_returned_; }

  RawConn Connect() const {
    RawConn c;
    REQUIRE(c.Connect(port_));
    return c;
  }

 private:
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> run_returned_{false};
};

// A counter handlers and the test bump and wait on. Handlers may run on fibers, where
// only fiber-aware waits are allowed and fiber::CondVar has no timed wait: a bounded wait
// therefore re-checks the count every millisecond with fiber::SleepUntil, which parks a
// fiber and sleeps a thread.
class Signal {
 public:
  void Bump() { n_++; }
  bool WaitAtLeast(int n, std::chrono::milliseconds timeout) {
    return Eventually([&] { return n_.load() >= n; }, timeout);
  }

 private:
  std::atomic<int> n_{0};
};

// Answers "<method> <path> <body>" as text/plain.
inline void Echo(const ServerRequest& req, ServerResponse& res) {
  res.content_type = "text/plain";
  res.body = req.method + " " + req.path + " " + req.body;
}

inline std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

inline std::string Post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra + "\r\n" + body;
}

}  // namespace servertest
