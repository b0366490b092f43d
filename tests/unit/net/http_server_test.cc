// The inbound HttpServer pinned at the wire on plain requests, with a raw socket client:
// routing, framing, keep-alive and its endings, pipelining, request bodies in any split or
// chunked, 100 Continue, and error statuses via on_error. Streaming, Stop, InFlight and
// concurrency are in http_server_stream_test.cc. Handlers only record; every assertion
// runs on the test thread. Every wait is a condition with a bounded timeout.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "unit/net/http_server_test_util.h"

using namespace std::chrono_literals;
using namespace servertest;
using detour::net::HttpServer;
using detour::net::ServerOptions;
using detour::net::ServerRequest;
using detour::net::ServerResponse;
using rawhttp::RawConn;

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

// Head and body go out in one gathered write (Socket::WriteParts); a body larger than the
// socket buffer takes several sendmsg calls, each resuming mid-piece.
TEST_CASE("server: a body far larger than the socket buffer arrives whole, in order") {
  std::string big(4 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7919) % 26);
  Served s([&](HttpServer& h) {
    h.Route("GET", "/big", [&](const ServerRequest&, ServerResponse& res) {
      res.content_type = "application/octet-stream";
      res.body = big;
    });
  });
  RawConn c = s.Connect();
  for (int i = 0; i < 2; i++) {  // and the connection stays usable after it
    REQUIRE(c.Send(Get("/big")));
    auto res = c.ReadResponse(10s);
    REQUIRE(res);
    CHECK(res->Header("Content-Length") == std::to_string(big.size()));
    CHECK(res->body.size() == big.size());
    CHECK(res->body == big);
  }
}

TEST_CASE("server: the head carries the handler's headers, then the content type and framing") {
  Served s([](HttpServer& h) {
    h.Route("GET", "/h", [](const ServerRequest&, ServerResponse& res) {
      res.headers.emplace_back("X-First", "1");
      res.headers.emplace_back("x-detour-model-group", "a-long-group-name");
      res.content_type = "text/plain";
      res.body = "hi";
    });
    h.Route("GET", "/untyped", [](const ServerRequest&, ServerResponse& res) {
      res.content_type = {};
      res.body = "raw";
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/h")));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->headers == std::vector<std::pair<std::string, std::string>>{
                            {"X-First", "1"}, {"x-detour-model-group", "a-long-group-name"},
                            {"Content-Type", "text/plain"}, {"Content-Length", "2"}});
  CHECK(res->body == "hi");
  REQUIRE(c.Send(Get("/untyped")));
  res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->headers == std::vector<std::pair<std::string, std::string>>{{"Content-Length", "3"}});
  CHECK(res->body == "raw");
}

TEST_CASE("server: a handler header that would inject a line becomes a 500 that closes, none of it sent") {
  Served s([](HttpServer& h) {
    h.Route("GET", "/bad", [](const ServerRequest&, ServerResponse& res) {
      res.headers.emplace_back("X-Bad", "v\r\nInjected: 1");
      res.body = "secret body";
    });
  });
  RawConn c = s.Connect();
  REQUIRE(c.Send(Get("/bad")));
  auto res = c.ReadResponse();
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(res->headers == std::vector<std::pair<std::string, std::string>>{{"Content-Length", "0"},
                                                                          {"Connection", "close"}});
  CHECK(res->body.empty());
}
