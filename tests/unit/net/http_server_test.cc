// The inbound HttpServer pinned at the wire, with a raw socket client: routing, framing,
// keep-alive and its endings, pipelining, request bodies in any split or chunked, 100
// Continue, chunked streams that reach the client piece by piece, error statuses via
// on_error, Stop semantics, InFlight, and concurrency. Handlers only record; every
// assertion runs on the test thread. Every wait is a condition with a bounded timeout.
#include <doctest/doctest.h>

#include <stdexcept>

#include <atomic>
#include <functional>
#include <thread>

#include "net/http_server.h"
#include "util/fiber.h"
#include "unit/net/raw_client.h"

using namespace std::chrono_literals;
using detour::net::BodyWriter;
using detour::net::HttpServer;
using detour::net::ServerOptions;
using detour::net::ServerRequest;
using detour::net::ServerResponse;
using rawhttp::RawConn;

namespace {

// A pause that parks a fiber (handlers) or sleeps a thread (the test).
void Pause(std::chrono::milliseconds d) {
  detour::fiber::SleepUntil(detour::fiber::Clock::now() + d);
}

// Waits for a condition that has no notification of its own (InFlight, a counter),
// checking every millisecond, up to `timeout`. Fiber-aware, so handlers may use it.
bool Eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
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
void Echo(const ServerRequest& req, ServerResponse& res) {
  res.content_type = "text/plain";
  res.body = req.method + " " + req.path + " " + req.body;
}

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

std::string Post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra + "\r\n" + body;
}

}  // namespace

TEST_CASE("server: a GET route answers status, content type, headers and a sized body") {
  ServerRequest seen;
  Served s([&](HttpServer& h) {
    h.Route("GET", "/v1/models", [&](const ServerRequest& req, ServerResponse& res) {
      seen = req;
      res.status = 201;
      res.content_type = "text/plain";
      res.headers = {{"X-Custom", "abc"}, {"X-Other", "d e f"}};
      res.body = "hello world";
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/v1/models?limit=2&x=y", "X-Mixed-Case: Value1\r\n")));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->version == "HTTP/1.1");
  CHECK(res->status == 201);
  CHECK(res->Header("Content-Type") == "text/plain");
  CHECK(res->Header("X-Custom") == "abc");
  CHECK(res->Header("X-Other") == "d e f");
  CHECK(res->Header("Content-Length") == "11");
  CHECK_FALSE(res->Has("Transfer-Encoding"));
  CHECK(res->body == "hello world");
  CHECK(c.pending().empty());
  CHECK(seen.method == "GET");
  CHECK(seen.path == "/v1/models");
  CHECK(seen.body.empty());
  CHECK(seen.remote_addr == "127.0.0.1");
  CHECK(seen.Header("X-Mixed-Case") == "Value1");
  CHECK(seen.Header("x-mixed-case") == "Value1");
  CHECK(seen.Header("X-MIXED-CASE") == "Value1");
  CHECK(seen.Header("host") == "t");
  CHECK(seen.Header("X-Absent") == "");
}

TEST_CASE("server: the request body, method and path without the query reach the handler") {
  Served s([](HttpServer& h) {
    h.Route("POST", "/v1/chat/completions", Echo);
    h.Route("DELETE", "/v1/thing", Echo);
  });
  RawConn c = s.Connect();
  std::string body = R"({"model":"m","messages":[]})";
  REQUIRE(c.Send(Post("/v1/chat/completions?api-version=3", body,
                      "Content-Type: application/json\r\n")));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "POST /v1/chat/completions " + body);
  REQUIRE(c.Send("DELETE /v1/thing HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"));
  res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "DELETE /v1/thing xyz");
}

TEST_CASE("server: keep-alive serves several requests on one connection") {
  Served s([](HttpServer& h) { h.Route("POST", "/echo", Echo); });
  RawConn c = s.Connect();
  for (int i = 0; i < 3; i++) {
    REQUIRE(c.Send(Post("/echo", "n" + std::to_string(i))));
    auto res = c.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "POST /echo n" + std::to_string(i));
    CHECK(res->Header("Connection") != "close");
  }
  CHECK_FALSE(c.WaitClosed(100ms));  // still open for the next request
}

TEST_CASE("server: HTTP/1.0 without keep-alive and Connection: close end the connection") {
  Served s([](HttpServer& h) { h.Route("GET", "/x", Echo); });
  SUBCASE("HTTP/1.0") {
    RawConn c = s.Connect();
    REQUIRE(c.Send("GET /x HTTP/1.0\r\nHost: t\r\n\r\n"));
    auto res = c.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "GET /x ");
    CHECK(c.WaitClosed(2s));
  }
  SUBCASE("Connection: close") {
    RawConn c = s.Connect();
    REQUIRE(c.Send(Get("/x", "Connection: close\r\n")));
    auto res = c.ReadResponse();
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "GET /x ");
    CHECK(rawhttp::IEquals(res->Header("Connection"), "close"));
    CHECK(c.WaitClosed(2s));
  }
}

TEST_CASE("server: pipelined requests in one write are answered in order") {
  Served s([](HttpServer& h) { h.Route("POST", "/echo", Echo); });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Post("/echo", "first") + Post("/echo", "second") + Get("/missing")));
  auto a = c.ReadResponse(2s);
  auto b = c.ReadResponse(2s);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->body == "POST /echo first");
  CHECK(b->body == "POST /echo second");
  auto missing = c.ReadResponse(2s);
  REQUIRE(missing);
  CHECK(missing->status == 404);
}

TEST_CASE("server: a body split across delayed writes arrives whole") {
  Served s([](HttpServer& h) { h.Route("POST", "/echo", Echo); });
  RawConn c = s.Connect();
  std::string body(3000, 'a');
  for (size_t i = 0; i < body.size(); i++) body[i] = static_cast<char>('a' + i % 26);
  std::string wire = Post("/echo", body);
  size_t head = wire.size() - body.size();
  // The splits fall inside the request line, the headers and the body.
  std::vector<size_t> cuts = {0, 7, head - 3, head + 100, head + 2000, wire.size()};
  for (size_t i = 0; i + 1 < cuts.size(); i++) {
    REQUIRE(c.Send(std::string_view(wire).substr(cuts[i], cuts[i + 1] - cuts[i])));
    std::this_thread::sleep_for(30ms);  // part of the scenario: a slow client
  }
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "POST /echo " + body);
}

TEST_CASE("server: a chunked request body arrives decoded") {
  Served s([](HttpServer& h) { h.Route("POST", "/echo", Echo); });
  RawConn c = s.Connect();
  REQUIRE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n"));
  std::this_thread::sleep_for(30ms);  // the second chunk comes in a later write
  REQUIRE(c.Send("6\r\n world\r\n0\r\n\r\n"));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "POST /echo hello world");
  // The connection stays usable after a chunked request.
  REQUIRE(c.Send(Post("/echo", "again")));
  res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->body == "POST /echo again");
}

TEST_CASE("server: Expect: 100-continue gets 100 Continue before the body is sent") {
  Served s([](HttpServer& h) { h.Route("POST", "/echo", Echo); });
  RawConn c = s.Connect();
  std::string body(2000, 'z');
  REQUIRE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2000\r\n\r\n"));
  auto interim = c.ReadHead(500ms);  // curl waits (1 s) for this before sending a big body
  REQUIRE(interim);
  CHECK(interim->status == 100);
  CHECK(interim->version == "HTTP/1.1");
  CHECK(interim->headers.empty());
  REQUIRE(c.Send(body));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "POST /echo " + body);
}

TEST_CASE("server: a streamed response reaches the client chunk by chunk") {
  Signal client_saw;  // bumped by the test each time it has read a whole piece
  std::vector<bool> writes, waits;
  Served s([&](HttpServer& h) {
    h.Route("POST", "/stream", [&](const ServerRequest&, ServerResponse& res) {
      res.status = 200;
      res.content_type = "text/event-stream";
      res.headers = {{"Cache-Control", "no-cache"}};
      res.body = "ignored";
      res.stream = [&](BodyWriter& w) {
        for (int i = 1; i <= 3; i++) {
          writes.push_back(w.Write("data: piece" + std::to_string(i) + "\n\n"));
          waits.push_back(client_saw.WaitAtLeast(i, 2s));  // the client has it before the next
          Pause(50ms);
        }
      };
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Post("/stream", "{}")));
  auto head = c.ReadHead(2s);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->Header("Content-Type") == "text/event-stream");
  CHECK(head->Header("Cache-Control") == "no-cache");
  CHECK(rawhttp::IEquals(head->Header("Transfer-Encoding"), "chunked"));
  CHECK_FALSE(head->Has("Content-Length"));
  for (int i = 1; i <= 3; i++) {
    std::string want = "data: piece" + std::to_string(i) + "\n\n", got;
    while (got.size() < want.size()) {  // a piece may come framed in more than one chunk
      auto chunk = c.ReadChunk(1s);
      REQUIRE(chunk);
      REQUIRE_FALSE(chunk->empty());
      got += *chunk;
    }
    CHECK(got == want);
    client_saw.Bump();
  }
  auto last = c.ReadChunk(2s);
  REQUIRE(last);
  CHECK(last->empty());  // the 0-chunk ends the body
  CHECK(writes == std::vector<bool>{true, true, true});
  CHECK(waits == std::vector<bool>{true, true, true});
  // And the connection is still good for another request.
  REQUIRE(c.Send(Get("/nothing")));
  auto next = c.ReadResponse(2s);
  REQUIRE(next);
  CHECK(next->status == 404);
}

TEST_CASE("server: BodyWriter::Write returns false once the client has gone") {
  Signal first_written, done;
  std::atomic<bool> failed{false};
  std::atomic<long long> writes_after_close{0};
  Served s([&](HttpServer& h) {
    h.Route("GET", "/stream", [&](const ServerRequest&, ServerResponse& res) {
      res.stream = [&](BodyWriter& w) {
        w.Write("first");
        first_written.Bump();
        auto until = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < until) {
          if (!w.Write("more data\n")) {
            failed = true;
            break;
          }
          writes_after_close++;
          Pause(5ms);
        }
        done.Bump();
      };
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/stream")));
  REQUIRE(c.ReadHead(2s));
  REQUIRE(first_written.WaitAtLeast(1, 2s));
  c.Abort();
  REQUIRE(done.WaitAtLeast(1, 5s));
  CHECK(failed);  // seen well before the handler's own 3 s limit
  CHECK(Eventually([&] { return s.server().InFlight() == 0; }, 2s));
}

TEST_CASE("server: an unrouted path goes to on_error with 404") {
  std::vector<int> statuses;
  std::string path;
  ServerOptions o;
  o.on_error = [&](const ServerRequest& req, ServerResponse& res) {
    statuses.push_back(res.status);
    path = req.path;
    res.content_type = "application/json";
    res.body = R"({"error":"nope"})";
  };
  Served s([](HttpServer& h) { h.Route("POST", "/v1/chat/completions", Echo); }, o);
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/v1/other?x=1")));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(res->Header("Content-Type") == "application/json");
  CHECK(res->body == R"({"error":"nope"})");
  CHECK(statuses == std::vector<int>{404});
  CHECK(path == "/v1/other");
}

TEST_CASE("server: a handler that throws costs its request a 500, not the process") {
  std::vector<int> statuses;
  ServerOptions o;
  o.on_error = [&](const ServerRequest&, ServerResponse& res) { statuses.push_back(res.status); };
  Served s([](HttpServer& h) {
    h.Route("GET", "/boom", [](const ServerRequest&, ServerResponse&) {
      throw std::runtime_error("unexpected");
    });
    h.Route("POST", "/v1/chat/completions", Echo);
  }, o);
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/boom")));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(statuses == std::vector<int>{500});
  RawConn again = s.Connect();
  REQUIRE(again.Send(Get("/boom")));
  res = again.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 500);
}

TEST_CASE("server: a handler's own error response is sent as is, without on_error") {
  int on_error_calls = 0;
  ServerOptions o;
  o.on_error = [&](const ServerRequest&, ServerResponse& res) {
    on_error_calls++;
    res.body = "from on_error";
  };
  Served s([](HttpServer& h) {
    h.Route("POST", "/x", [](const ServerRequest&, ServerResponse& res) {
      res.status = 429;
      res.body = R"({"error":"slow down"})";
    });
  }, o);
  RawConn c = s.Connect();
  REQUIRE(c.Send(Post("/x", "{}")));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(res->body == R"({"error":"slow down"})");
  CHECK(on_error_calls == 0);
}

TEST_CASE("server: a body over max_body is 413 via on_error and the handler never runs") {
  std::vector<int> statuses;
  bool handled = false;
  ServerOptions o;
  o.max_body = 100;
  o.on_error = [&](const ServerRequest&, ServerResponse& res) {
    statuses.push_back(res.status);
    res.body = "too big";
  };
  Served s([&](HttpServer& h) {
    h.Route("POST", "/x", [&](const ServerRequest&, ServerResponse&) { handled = true; });
  }, o);
  RawConn c = s.Connect();
  REQUIRE(c.Send(Post("/x", std::string(101, 'b'))));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 413);
  CHECK(res->body == "too big");
  CHECK(statuses == std::vector<int>{413});
  CHECK_FALSE(handled);
  // Exactly max_body is fine (on a new connection: the 413 may close the first).
  RawConn d = s.Connect();
  REQUIRE(d.Send(Post("/x", std::string(100, 'b'))));
  res = d.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(handled);
}

TEST_CASE("server: a malformed request line is 400 via on_error") {
  std::vector<int> statuses;
  ServerOptions o;
  o.on_error = [&](const ServerRequest&, ServerResponse& res) {
    statuses.push_back(res.status);
    res.body = "bad";
  };
  Served s([](HttpServer& h) { h.Route("GET", "/x", Echo); }, o);
  RawConn c = s.Connect();
  REQUIRE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  auto res = c.ReadResponse(2s);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body == "bad");
  CHECK(statuses == std::vector<int>{400});
}

TEST_CASE("server: Stop refuses new connections while a running stream completes") {
  Signal wrote_first, may_finish;
  std::atomic<bool> second_ok{false};
  Served s([&](HttpServer& h) {
    h.Route("GET", "/stream", [&](const ServerRequest&, ServerResponse& res) {
      res.stream = [&](BodyWriter& w) {
        w.Write("one");
        wrote_first.Bump();
        may_finish.WaitAtLeast(1, 5s);
        second_ok = w.Write("two");
      };
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/stream")));
  REQUIRE(c.ReadHead(2s));
  REQUIRE(wrote_first.WaitAtLeast(1, 2s));
  auto one = c.ReadChunk(2s);
  REQUIRE(one);
  CHECK(*one == "one");
  CHECK(s.server().InFlight() == 1);

  s.server().Stop();
  RawConn refused;
  CHECK_FALSE(refused.Connect(s.port()));
  CHECK(refused.last_errno == ECONNREFUSED);
  CHECK(Eventually([&] { return s.run_returned(); }, 2s));
  CHECK(s.server().InFlight() == 1);  // the stream goes on

  may_finish.Bump();
  auto two = c.ReadChunk(2s);
  REQUIRE(two);
  CHECK(*two == "two");
  auto last = c.ReadChunk(2s);
  REQUIRE(last);
  CHECK(last->empty());
  CHECK(second_ok);
  CHECK(Eventually([&] { return s.server().InFlight() == 0; }, 2s));
}

TEST_CASE("server: InFlight counts a request from its handler until its response is written") {
  Signal entered, release;
  Served s([&](HttpServer& h) {
    h.Route("GET", "/slow", [&](const ServerRequest& req, ServerResponse& res) {
      entered.Bump();
      release.WaitAtLeast(1, 5s);
      Echo(req, res);
    });
  });
  CHECK(s.server().InFlight() == 0);
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/slow")));
  REQUIRE(entered.WaitAtLeast(1, 2s));
  CHECK(s.server().InFlight() == 1);
  release.Bump();
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->body == "GET /slow ");
  CHECK(Eventually([&] { return s.server().InFlight() == 0; }, 2s));
  // The idle keep-alive connection is not in flight.
  CHECK_FALSE(c.WaitClosed(50ms));
  CHECK(s.server().InFlight() == 0);
}

TEST_CASE("server: 200 concurrent connections are served at the same time") {
  constexpr int kClients = 200;
  Signal arrived;
  std::atomic<int> saw_all{0};
  Served s([&](HttpServer& h) {
    h.Route("POST", "/wait", [&](const ServerRequest& req, ServerResponse& res) {
      arrived.Bump();
      // Only answers once every client's request is inside a handler.
      if (arrived.WaitAtLeast(kClients, 10s)) saw_all++;
      res.body = req.body;
    });
  });
  std::vector<RawConn> conns(kClients);
  for (int i = 0; i < kClients; i++) {
    REQUIRE(conns[i].Connect(s.port()));
    REQUIRE(conns[i].Send(Post("/wait", "client " + std::to_string(i))));
  }
  REQUIRE(arrived.WaitAtLeast(kClients, 10s));
  int answered = 0;
  for (int i = 0; i < kClients; i++) {
    auto res = conns[i].ReadResponse(5s);
    if (res && res->status == 200 && res->body == "client " + std::to_string(i)) answered++;
  }
  CHECK(answered == kClients);
  CHECK(saw_all == kClients);
}

TEST_CASE("server: a client that sends nothing does not hold up others") {
  Served s([](HttpServer& h) { h.Route("GET", "/x", Echo); });
  RawConn silent = s.Connect();
  RawConn partial = s.Connect();
  REQUIRE(partial.Send("GET /x HTTP/1.1\r\nHo"));  // stalls mid-header
  for (int i = 0; i < 3; i++) {
    RawConn c = s.Connect();
    REQUIRE(c.Send(Get("/x")));
    auto start = std::chrono::steady_clock::now();
    auto res = c.ReadResponse(2s);
    REQUIRE(res);
    CHECK(res->body == "GET /x ");
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  }
  // The stalled one still completes when the rest of its request comes.
  REQUIRE(partial.Send("st: t\r\n\r\n"));
  auto res = partial.ReadResponse(2s);
  REQUIRE(res);
  CHECK(res->body == "GET /x ");
}
