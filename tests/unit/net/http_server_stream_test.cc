// The inbound HttpServer pinned at the wire while responses stream and the server stops,
// with a raw socket client: chunked streams that reach the client piece by piece, writes
// after the client has gone, Stop semantics, InFlight, concurrency and stalled clients.
// Plain request handling is in http_server_test.cc. Handlers only record; every assertion
// runs on the test thread. Every wait is a condition with a bounded timeout.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "unit/net/http_server_test_util.h"

using namespace std::chrono_literals;
using namespace servertest;
using detour::net::BodyWriter;
using detour::net::HttpServer;
using detour::net::ServerRequest;
using detour::net::ServerResponse;
using rawhttp::RawConn;

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

TEST_CASE("server: while draining, a keep-alive request is answered with Connection: close") {
  Signal entered, may_answer;
  Served s([&](HttpServer& h) {
    h.Route("GET", "/slow", [&](const ServerRequest&, ServerResponse& res) {
      entered.Bump();
      may_answer.WaitAtLeast(1, 5s);
      res.body = "done";
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/slow")));  // HTTP/1.1: keep-alive unless told otherwise
  REQUIRE(entered.WaitAtLeast(1, 2s));
  s.server().Stop();
  may_answer.Bump();
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "done");
  CHECK(res->Header("Connection") == "close");
  CHECK(c.WaitClosed(2s));
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
