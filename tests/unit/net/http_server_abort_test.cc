// The server features the simulator uses (src/sim): the query string, the fallback handler,
// answers that reset or hang instead of responding, a streamed body cut short, and
// Shutdown ending idle connections.
#include <doctest/doctest.h>

#include <cerrno>

#include "http_server_test_util.h"

namespace {

using namespace servertest;
using detour::net::BodyWriter;

TEST_CASE("server: the query string is kept apart from the path") {
  std::string seen;
  Served s([&](HttpServer& h) {
    h.Route("GET", "/q", [&](const ServerRequest& req, ServerResponse& res) {
      seen = req.path + "|" + req.query;
    });
  });
  RawConn c = s.Connect();
  c.Send(Get("/q?api-version=2024-10-21&x=1"));
  auto r = c.ReadResponse();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(seen == "/q|api-version=2024-10-21&x=1");
}

TEST_CASE("server: the fallback answers paths no route matched") {
  ServerOptions o;
  o.fallback = [](const ServerRequest& req, ServerResponse& res) {
    res.status = 202;
    res.body = "fallback " + req.path;
  };
  Served s([](HttpServer&) {}, o);
  RawConn c = s.Connect();
  c.Send(Get("/models/m:generateContent"));
  auto r = c.ReadResponse();
  REQUIRE(r);
  CHECK(r->status == 202);
  CHECK(r->body == "fallback /models/m:generateContent");
}

TEST_CASE("server: Abort::kReset resets the connection before any byte") {
  Served s([](HttpServer& h) {
    h.Route("GET", "/r", [](const ServerRequest&, ServerResponse& res) {
      res.abort = ServerResponse::Abort::kReset;
    });
  });
  RawConn c = s.Connect();
  c.Send(Get("/r"));
  CHECK(c.WaitClosed(5000ms));  // closed with nothing received
  CHECK(c.pending().empty());
}

TEST_CASE("server: Abort::kHang sends nothing until the client goes, then frees the connection") {
  Served s([](HttpServer& h) {
    h.Route("GET", "/h", [](const ServerRequest&, ServerResponse& res) {
      res.abort = ServerResponse::Abort::kHang;
    });
  });
  {
    RawConn c = s.Connect();
    c.Send(Get("/h"));
    CHECK_FALSE(c.ReadHead(300ms));  // nothing within 300 ms
    CHECK(c.pending().empty());
    CHECK(s.server().Connections() == 1);
  }  // the client gives up
  CHECK(Eventually([&] { return s.server().Connections() == 0; }, 5000ms));
}

TEST_CASE("server: BodyWriter::Cut ends a stream without its last chunk") {
  Served s([](HttpServer& h) {
    h.Route("GET", "/c", [](const ServerRequest&, ServerResponse& res) {
      res.stream = [](BodyWriter& w) {
        w.Write("data: 1\n\n");
        w.Cut(false);
      };
    });
  });
  RawConn c = s.Connect();
  c.Send(Get("/c"));
  auto head = c.ReadHead(5000ms);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(c.ReadChunk(5000ms) == std::optional<std::string>("data: 1\n\n"));
  CHECK_FALSE(c.ReadChunk(5000ms));  // no terminating chunk: the connection closed
  CHECK(c.eof());
}

TEST_CASE("server: Shutdown closes idle keep-alive connections and ends hangs") {
  Served s([](HttpServer& h) {
    h.Route("GET", "/h", [](const ServerRequest&, ServerResponse& res) {
      res.abort = ServerResponse::Abort::kHang;
    });
    h.Route("GET", "/ok", [](const ServerRequest&, ServerResponse& res) { res.body = "ok"; });
  });
  RawConn idle = s.Connect();
  idle.Send(Get("/ok"));
  REQUIRE(idle.ReadResponse());
  RawConn hung = s.Connect();
  hung.Send(Get("/h"));
  CHECK(Eventually([&] { return s.server().Connections() == 2; }, 5000ms));
  s.server().Shutdown();
  CHECK(idle.WaitClosed(5000ms));
  CHECK(hung.WaitClosed(5000ms));
  CHECK(Eventually([&] { return s.server().Connections() == 0; }, 5000ms));
}

}  // namespace
