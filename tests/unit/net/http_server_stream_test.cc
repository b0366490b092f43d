// The inbound HttpServer pinned at the wire while responses stream and the server stops,
// with a raw socket client: chunked streams that reach the client piece by piece, writes
// after the client has gone, Stop semantics, InFlight, concurrency and stalled clients.
// Plain request handling is in http_server_test.cc. Handlers only record; every assertion
// runs on the test thread. Every wait is a condition with a bounded timeout.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <stdexcept>
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

// A deferred response (net::DeferredResponse): the handler returns at once and the
// continuation decides the status later, on the connection's fiber. serve's streams use
// it (server/client_stream.cc) so their status line goes out at the first token.
TEST_CASE("server: a deferred response begins a chunked body when it decides, then ends it") {
  std::atomic<int> results{0};  // bits: Begin ok, Answer refused, both writes ok
  Served s([&](HttpServer& h) {
    h.Route("POST", "/later", [&](const ServerRequest&, ServerResponse& res) {
      res.headers = {{"X-Request", "r1"}};
      res.deferred = [&results, headers = res.headers](detour::net::ResponseWriter& w) {
        Pause(50ms);  // deciding: nothing has gone out yet
        ServerResponse head;
        head.status = 207;
        head.content_type = "text/event-stream";
        head.headers = headers;
        head.headers.emplace_back("X-Decided", "yes");
        int r = w.Begin(head) ? 1 : 0;
        if (!w.Answer(head)) r |= 2;  // one or the other, once
        if (w.Write("data: a\n\n") && w.Write("data: b\n\n")) r |= 4;
        results.store(r);
      };
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Post("/later", "{}")));
  auto res = c.ReadResponse(2s);
  REQUIRE(res);
  CHECK(res->status == 207);
  CHECK(res->Header("X-Request") == "r1");
  CHECK(res->Header("X-Decided") == "yes");
  CHECK(res->chunked);
  CHECK(res->body == "data: a\n\ndata: b\n\n");
  CHECK(Eventually([&] { return results.load() == 7; }, 2s));  // stored after the last write
  REQUIRE(c.Send(Get("/nothing")));  // the connection stays usable
  auto next = c.ReadResponse(2s);
  REQUIRE(next);
  CHECK(next->status == 404);
}

TEST_CASE("server: a deferred response may answer whole instead, and keep the connection") {
  std::atomic<int> refused_writes{0};
  Served s([&](HttpServer& h) {
    h.Route("POST", "/later", [&](const ServerRequest&, ServerResponse& res) {
      res.deferred = [&refused_writes](detour::net::ResponseWriter& w) {
        ServerResponse err;
        err.status = 502;
        err.body = R"({"error":"upstream"})";
        w.Answer(err);
        if (!w.Write("more")) refused_writes++;  // nothing after a whole response
      };
    });
  });
  RawConn c = s.Connect();
  for (int i = 0; i < 2; i++) {
    REQUIRE(c.Send(Post("/later", "{}")));
    auto res = c.ReadResponse(2s);
    REQUIRE(res);
    CHECK(res->status == 502);
    CHECK(res->Header("Content-Length") == "20");
    CHECK_FALSE(res->chunked);
    CHECK(res->body == R"({"error":"upstream"})");
  }
  // Counted after the answer went out: the client may have read it first.
  CHECK(Eventually([&] { return refused_writes.load() == 2; }, 2s));
}

TEST_CASE("server: a deferred response that writes nothing is a 500; one that throws mid-body is cut") {
  Served s([&](HttpServer& h) {
    h.Route("POST", "/silent", [](const ServerRequest&, ServerResponse& res) {
      res.deferred = [](detour::net::ResponseWriter&) {};
    });
    h.Route("POST", "/throws", [](const ServerRequest&, ServerResponse& res) {
      res.deferred = [](detour::net::ResponseWriter& w) {
        ServerResponse head;
        w.Begin(head);
        w.Write("partial");
        throw std::runtime_error("boom");
      };
    });
  });
  RawConn a = s.Connect();
  REQUIRE(a.Send(Post("/silent", "{}")));
  auto silent = a.ReadResponse(2s);
  REQUIRE(silent);
  CHECK(silent->status == 500);
  RawConn b = s.Connect();
  REQUIRE(b.Send(Post("/throws", "{}")));
  auto head = b.ReadHead(2s);
  REQUIRE(head);
  CHECK(head->status == 200);
  auto piece = b.ReadChunk(2s);
  REQUIRE(piece);
  CHECK(*piece == "partial");
  // No 0-chunk: the body is truncated, never made to look finished.
  CHECK(b.WaitClosed(2s));
}

TEST_CASE("server: a deferred response's writes go out when its fiber blocks, in order, and at its end") {
  // Writes between two waits are sent together when the writing fiber is about to block
  // (util/fiber_defer.h). The handler blocks until the client has both first pieces: were
  // they held back past the block, the client would never see them and the wait would fail.
  Signal client_saw;
  std::atomic<int> results{0};  // bits: writes ok, the client saw them while we waited
  Served s([&](HttpServer& h) {
    h.Route("POST", "/s", [&](const ServerRequest&, ServerResponse& res) {
      res.deferred = [&](detour::net::ResponseWriter& w) {
        ServerResponse head;
        head.content_type = "text/event-stream";
        w.Begin(head);
        int r = w.Write("data: a\n\n") && w.Write("data: b\n\n") ? 1 : 0;
        if (client_saw.WaitAtLeast(1, 2s)) r |= 2;
        if (w.Write("data: c\n\n")) r |= 4;  // the last write: out when the response ends
        results.store(r);
      };
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Post("/s", "{}")));
  REQUIRE(c.ReadHead(2s));
  std::string got;
  while (got.size() < std::string("data: a\n\ndata: b\n\n").size()) {
    auto chunk = c.ReadChunk(1s);
    REQUIRE(chunk);
    got += *chunk;
  }
  CHECK(got == "data: a\n\ndata: b\n\n");
  client_saw.Bump();
  auto third = c.ReadChunk(2s);
  REQUIRE(third);
  CHECK(*third == "data: c\n\n");
  auto last = c.ReadChunk(2s);
  REQUIRE(last);
  CHECK(last->empty());
  CHECK(Eventually([&] { return results.load() == 7; }, 2s));
}
