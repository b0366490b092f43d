// http1: head parsing under every split, limits and rejections, body framing (smuggling
// guards), keep-alive, the chunked decoder under every split, and exact serialised bytes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/http1.h"

namespace h1 = detour::net::http1;
using detour::net::Headers;
using h1::BodyFraming;
using h1::ChunkedDecoder;
using h1::ParseStatus;

namespace {

struct HeadResult {
  ParseStatus status = ParseStatus::kIncomplete;
  size_t consumed = 0;
  std::string error;
};

HeadResult Req(std::string_view buf, h1::RequestHead* head) {
  HeadResult r;
  r.status = h1::ParseRequestHead(buf, head, &r.consumed, &r.error);
  return r;
}

HeadResult Res(std::string_view buf, h1::ResponseHead* head) {
  HeadResult r;
  r.status = h1::ParseResponseHead(buf, head, &r.consumed, &r.error);
  return r;
}

std::string ReqError(std::string_view buf) {
  h1::RequestHead head;
  HeadResult r = Req(buf, &head);
  CHECK(r.status == ParseStatus::kError);
  return r.error;
}

std::string ResError(std::string_view buf) {
  h1::ResponseHead head;
  HeadResult r = Res(buf, &head);
  CHECK(r.status == ParseStatus::kError);
  return r.error;
}

struct Decoded {
  ChunkedDecoder::Status status = ChunkedDecoder::Status::kNeedMore;
  std::string body;
  size_t consumed = 0;
};

// Feeds `wire` in pieces of `piece` bytes (each a separate copy, so no read past a piece
// can go unnoticed under sanitizers) until the decoder stops needing more.
Decoded DecodeInPieces(const std::string& wire, size_t piece) {
  ChunkedDecoder decoder;
  Decoded r;
  for (size_t off = 0; off < wire.size(); off += piece) {
    std::string part = wire.substr(off, piece);
    size_t used = 0;
    r.status = decoder.Feed(part.data(), part.size(), &used, &r.body);
    REQUIRE(used <= part.size());
    r.consumed += used;
    if (r.status != ChunkedDecoder::Status::kNeedMore) break;
    REQUIRE(used == part.size());  // needing more means everything was taken
  }
  return r;
}

BodyFraming::Kind ReqKind(const Headers& h) {
  auto f = h1::RequestFraming(h);
  REQUIRE(f.ok());
  return f->kind;
}

}  // namespace

TEST_CASE("http1: request head with CRLF leaves pipelined bytes unconsumed") {
  std::string head = "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: localhost:8080\r\n"
                     "Content-Type: application/json\r\nX-Empty:\r\n\r\n";
  std::string buf = head + "{\"a\":1}GET / HTTP/1.1\r\n\r\n";
  h1::RequestHead req;
  HeadResult r = Req(buf, &req);
  REQUIRE(r.status == ParseStatus::kDone);
  CHECK(r.consumed == head.size());
  CHECK(req.method == "POST");
  CHECK(req.target == "/v1/chat/completions?x=1");
  CHECK(req.minor_version == 1);
  REQUIRE(req.headers.size() == 3);
  CHECK(req.headers[0] == std::pair<std::string, std::string>("Host", "localhost:8080"));
  CHECK(req.headers[1].second == "application/json");
  CHECK(req.headers[2] == std::pair<std::string, std::string>("X-Empty", ""));
}

TEST_CASE("http1: bare LF and mixed line ends; names keep case, values trimmed") {
  std::string buf = "GET /a HTTP/1.0\nX-MiXed:  \t v a l \t \r\nB:x\n\nrest";
  h1::RequestHead req;
  HeadResult r = Req(buf, &req);
  REQUIRE(r.status == ParseStatus::kDone);
  CHECK(r.consumed == buf.size() - 4);
  CHECK(req.minor_version == 0);
  REQUIRE(req.headers.size() == 2);
  CHECK(req.headers[0].first == "X-MiXed");
  CHECK(req.headers[0].second == "v a l");
  CHECK(req.headers[1].second == "x");
  // Blank line as "\r\n" after a bare-LF header line, and no headers at all.
  CHECK(Req("GET / HTTP/1.1\nA: b\n\r\nX", &req).consumed == 22);
  CHECK(Req("GET * HTTP/1.1\r\n\r\n", &req).status == ParseStatus::kDone);
  CHECK(req.headers.empty());
  CHECK(req.target == "*");
}

TEST_CASE("http1: every prefix of a head is incomplete, byte by byte") {
  for (std::string wire : {std::string("PUT /x HTTP/1.1\r\nA: 1\r\nBb: 22\r\n\r\n"),
                           std::string("PUT /x HTTP/1.1\nA: 1\nBb: 22\n\n")}) {
    h1::RequestHead req;
    for (size_t n = 0; n < wire.size(); ++n) {
      CAPTURE(n);
      CHECK(Req(std::string_view(wire).substr(0, n), &req).status == ParseStatus::kIncomplete);
    }
    HeadResult r = Req(wire, &req);
    REQUIRE(r.status == ParseStatus::kDone);
    CHECK(r.consumed == wire.size());
    REQUIRE(req.headers.size() == 2);
    CHECK(req.headers[1].second == "22");
    // The resuming form over one growing buffer, then a second pipelined head.
    std::string both = "\r\n" + wire + wire;
    size_t resume = 0, consumed = 0;
    std::string error;
    ParseStatus st = ParseStatus::kIncomplete;
    size_t n = 0;
    while (st == ParseStatus::kIncomplete && n < both.size()) {
      ++n;
      st = h1::ParseRequestHead(std::string_view(both).substr(0, n), &req, &consumed, &error,
                                &resume);
      CHECK(resume <= n);
    }
    REQUIRE(st == ParseStatus::kDone);
    CHECK(n == wire.size() + 2);
    CHECK(consumed == wire.size() + 2);
    CHECK(resume == 0);
    CHECK(h1::ParseRequestHead(std::string_view(both).substr(consumed), &req, &consumed, &error,
                               &resume) == ParseStatus::kDone);
    CHECK(consumed == wire.size());
  }
  std::string status = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  h1::ResponseHead res;
  for (size_t n = 0; n < status.size(); ++n) {
    CHECK(Res(std::string_view(status).substr(0, n), &res).status == ParseStatus::kIncomplete);
  }
  CHECK(Res(status + "hi", &res).consumed == status.size());
}

TEST_CASE("http1: up to four empty lines before a request line are skipped") {
  h1::RequestHead req;
  HeadResult r = Req("\r\n\n\r\nGET / HTTP/1.1\r\n\r\n", &req);
  REQUIRE(r.status == ParseStatus::kDone);
  CHECK(r.consumed == 23);
  CHECK(req.method == "GET");
  CHECK(Req("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", &req).status == ParseStatus::kDone);
  CHECK(ReqError("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n") == "bad request line");
  CHECK(Req("\r", &req).status == ParseStatus::kIncomplete);
  CHECK(Req("\r\n", &req).status == ParseStatus::kIncomplete);
}

TEST_CASE("http1: request line errors") {
  CHECK(ReqError("GET /\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET  / HTTP/1.1\r\n\r\n") == "bad request line");
  CHECK(ReqError(" GET / HTTP/1.1\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET / HTTP/1.1 \r\n\r\n") == "bad request line");
  CHECK(ReqError("G(T / HTTP/1.1\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET /a\x01 HTTP/1.1\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET / http/1.1\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET / HTTP/1\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET / HTTP/1.1\r\r\n\r\n") == "bad request line");
  CHECK(ReqError("GET / HTTP/2.0\r\n\r\n") == "unsupported HTTP version");
  CHECK(ReqError("GET / HTTP/1.2\r\n\r\n") == "unsupported HTTP version");
  CHECK(ReqError("GET / HTTP/0.9\r\n\r\n") == "unsupported HTTP version");
}

TEST_CASE("http1: header line errors (obs-fold, names, control characters)") {
  CHECK(ReqError("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n") == "obsolete line folding");
  CHECK(ReqError("GET / HTTP/1.1\r\n\tA: b\r\n\r\n") == "obsolete line folding");
  CHECK(ReqError("GET / HTTP/1.1\r\nA : b\r\n\r\n") == "bad header name");
  CHECK(ReqError("GET / HTTP/1.1\r\nA B: b\r\n\r\n") == "bad header name");
  CHECK(ReqError("GET / HTTP/1.1\r\n: b\r\n\r\n") == "bad header name");
  CHECK(ReqError("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == "bad header line");
  CHECK(ReqError("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n") == "bad header value");
  CHECK(ReqError(std::string("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 27)) == "bad header value");
  CHECK(ReqError("GET / HTTP/1.1\r\nA: b\r\r\n\r\n") == "bad header value");
  CHECK(ResError("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n") == "obsolete line folding");
  // Tabs inside values and obs-text are fine.
  h1::RequestHead req;
  REQUIRE(Req("GET / HTTP/1.1\r\nA: x\ty \xC3\xA9\r\n\r\n", &req).status == ParseStatus::kDone);
  CHECK(req.headers[0].second == "x\ty \xC3\xA9");
}

TEST_CASE("http1: head size limits") {
  std::string line = "GET / HTTP/1.1\r\n";
  std::string filler = "X: " + std::string(100, 'a') + "\r\n";
  std::string big = line;
  while (big.size() + filler.size() < h1::kMaxHeadBytes) big += filler;
  h1::RequestHead req;
  CHECK(Req(big, &req).status == ParseStatus::kIncomplete);
  // Pad so the head including its blank line is exactly the limit: accepted.
  std::string pad = "Y: " + std::string(h1::kMaxHeadBytes - big.size() - 7, 'b') + "\r\n";
  std::string exact = big + pad + "\r\n";
  REQUIRE(exact.size() == h1::kMaxHeadBytes);
  HeadResult r = Req(exact + "body", &req);
  CHECK(r.status == ParseStatus::kDone);
  CHECK(r.consumed == h1::kMaxHeadBytes);
  // One byte more: too large, whether or not the blank line has arrived.
  std::string over = big + "Y: " + std::string(pad.size() - 5, 'b') + "c\r\n\r\n";
  REQUIRE(over.size() == h1::kMaxHeadBytes + 1);
  CHECK(Req(over, &req).status == ParseStatus::kTooLarge);
  CHECK(Req(std::string(h1::kMaxHeadBytes, 'a'), &req).status == ParseStatus::kTooLarge);
  CHECK(Req(std::string(h1::kMaxHeadBytes - 1, 'a'), &req).status == ParseStatus::kIncomplete);
  h1::ResponseHead res;
  CHECK(Res("HTTP/1.1 200 OK\r\n" + std::string(h1::kMaxHeadBytes, 'a'), &res).status ==
        ParseStatus::kTooLarge);
}

TEST_CASE("http1: response heads") {
  h1::ResponseHead res;
  HeadResult r = Res("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc", &res);
  REQUIRE(r.status == ParseStatus::kDone);
  CHECK(r.consumed == 45);
  CHECK(res.status == 404);
  CHECK(res.reason == "Not Found");
  CHECK(res.minor_version == 1);
  REQUIRE(res.headers.size() == 1);
  REQUIRE(Res("HTTP/1.0 200\n\n", &res).status == ParseStatus::kDone);
  CHECK(res.status == 200);
  CHECK(res.minor_version == 0);
  CHECK(res.reason.empty());
  CHECK(res.headers.empty());
  REQUIRE(Res("HTTP/1.1 599 \r\n\r\n", &res).status == ParseStatus::kDone);
  CHECK(res.reason.empty());
  REQUIRE(Res("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", &res).consumed == 25);
  CHECK(res.status == 100);
}

TEST_CASE("http1: response status line errors") {
  CHECK(ResError("HTTP/1.1 20 OK\r\n\r\n") == "bad status code");
  CHECK(ResError("HTTP/1.1 2x0 OK\r\n\r\n") == "bad status code");
  CHECK(ResError("HTTP/1.1 2000 OK\r\n\r\n") == "bad status code");
  CHECK(ResError("HTTP/1.1 600 Nope\r\n\r\n") == "bad status code");
  CHECK(ResError("HTTP/1.1 099 Low\r\n\r\n") == "bad status code");
  CHECK(ResError("HTTP/1.1  200 OK\r\n\r\n") == "bad status code");
  CHECK(ResError("HTTP/1.1 -20 OK\r\n\r\n") == "bad status code");
  CHECK(ResError("HTTP/1.1\r\n\r\n") == "bad status line");
  CHECK(ResError("HTTP/1.1200 OK\r\n\r\n") == "bad status line");
  CHECK(ResError("HTTP/1.1 200 O\x01K\r\n\r\n") == "bad status line");
  CHECK(ResError("\r\n\r\n") == "bad status line");
  CHECK(ResError("ICY 200 OK\r\n\r\n") == "bad status line");
  CHECK(ResError("HTTP/2.0 200 OK\r\n\r\n") == "unsupported HTTP version");
}

TEST_CASE("http1: a reused head object is overwritten exactly") {
  h1::RequestHead req;
  REQUIRE(Req("POST /one HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &req).status ==
          ParseStatus::kDone);
  REQUIRE(Req("GET /2 HTTP/1.0\r\nZ: 9\r\n\r\n", &req).status == ParseStatus::kDone);
  CHECK(req.method == "GET");
  CHECK(req.target == "/2");
  CHECK(req.minor_version == 0);
  CHECK(req.headers == Headers{{"Z", "9"}});
}

TEST_CASE("http1: FindHeader and HeaderHasToken") {
  Headers h = {{"Content-Type", "a"}, {"content-type", "b"}, {"Connection", "keep-alive , Upgrade"},
               {"connection", "TE,,close"}};
  REQUIRE(h1::FindHeader(h, "CONTENT-TYPE") != nullptr);
  CHECK(*h1::FindHeader(h, "CONTENT-TYPE") == "a");
  CHECK(h1::FindHeader(h, "Content-Typ") == nullptr);
  CHECK(h1::FindHeader({}, "x") == nullptr);
  CHECK(h1::HeaderHasToken(h, "connection", "upgrade"));
  CHECK(h1::HeaderHasToken(h, "Connection", "KEEP-ALIVE"));
  CHECK(h1::HeaderHasToken(h, "Connection", "close"));  // second field line
  CHECK_FALSE(h1::HeaderHasToken(h, "Connection", "clos"));
  CHECK_FALSE(h1::HeaderHasToken(h, "Connection", "keep"));
  CHECK_FALSE(h1::HeaderHasToken(h, "Upgrade", "close"));
}

TEST_CASE("http1: request framing and smuggling guards") {
  CHECK(ReqKind({}) == BodyFraming::kNone);
  CHECK(ReqKind({{"Content-Length", "0"}}) == BodyFraming::kNone);
  auto f = h1::RequestFraming({{"content-length", " 42 "}});
  REQUIRE(f.ok());
  CHECK(f->kind == BodyFraming::kLength);
  CHECK(f->length == 42);
  f = h1::RequestFraming({{"Content-Length", "7, 7"}, {"Content-Length", "7"}});
  REQUIRE(f.ok());
  CHECK(f->length == 7);
  f = h1::RequestFraming({{"Content-Length", "18446744073709551615"}});
  REQUIRE(f.ok());
  CHECK(f->length == UINT64_MAX);
  for (const char* bad : {"", "abc", "-1", "+5", "5 5", "0x10", "5, 6", "18446744073709551616",
                          "99999999999999999999999"}) {
    CAPTURE(bad);
    auto e = h1::RequestFraming({{"Content-Length", bad}});
    REQUIRE_FALSE(e.ok());
    CHECK(e.error() == "invalid Content-Length");
  }
  CHECK_FALSE(h1::RequestFraming({{"Content-Length", "5"}, {"Content-Length", "6"}}).ok());
  CHECK(ReqKind({{"Transfer-Encoding", "chunked"}}) == BodyFraming::kChunked);
  CHECK(ReqKind({{"transfer-encoding", "gzip, Chunked"}}) == BodyFraming::kChunked);
  CHECK(ReqKind({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}) ==
        BodyFraming::kChunked);
  for (const char* bad : {"chunked, gzip", "chunked, chunked", "gzip", "", "chunked;x=1"}) {
    CAPTURE(bad);
    auto e = h1::RequestFraming({{"Transfer-Encoding", bad}});
    REQUIRE_FALSE(e.ok());
    CHECK(e.error() == "unsupported Transfer-Encoding");
  }
  auto both = h1::RequestFraming({{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}});
  REQUIRE_FALSE(both.ok());
  CHECK(both.error() == "both Transfer-Encoding and Content-Length");
  CHECK_FALSE(h1::RequestFraming({{"Transfer-Encoding", "chunked"}, {"content-length", "0"}}).ok());
}

TEST_CASE("http1: response framing") {
  Headers cl = {{"Content-Length", "12"}};
  Headers chunked = {{"Transfer-Encoding", "chunked"}};
  auto kind = [](std::string_view m, int s, const Headers& h) {
    auto f = h1::ResponseFraming(m, s, h);
    REQUIRE(f.ok());
    return f->kind;
  };
  CHECK(kind("HEAD", 200, cl) == BodyFraming::kNone);
  CHECK(kind("GET", 100, chunked) == BodyFraming::kNone);
  CHECK(kind("GET", 101, {}) == BodyFraming::kNone);
  CHECK(kind("GET", 204, cl) == BodyFraming::kNone);
  CHECK(kind("GET", 304, cl) == BodyFraming::kNone);
  CHECK(kind("CONNECT", 200, {}) == BodyFraming::kNone);
  CHECK(kind("POST", 200, chunked) == BodyFraming::kChunked);
  CHECK(kind("POST", 200, {{"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}}) ==
        BodyFraming::kChunked);
  CHECK(kind("POST", 200, {{"Transfer-Encoding", "gzip"}}) == BodyFraming::kUntilClose);
  CHECK(kind("POST", 500, {}) == BodyFraming::kUntilClose);
  CHECK(kind("POST", 200, {{"Content-Length", "0"}}) == BodyFraming::kNone);
  auto f = h1::ResponseFraming("POST", 200, cl);
  REQUIRE(f.ok());
  CHECK(f->kind == BodyFraming::kLength);
  CHECK(f->length == 12);
  CHECK_FALSE(h1::ResponseFraming("GET", 200, {{"Content-Length", "1x"}}).ok());
  CHECK_FALSE(h1::ResponseFraming("GET", 200, {{"Content-Length", "1"}, {"Content-Length", "2"}}).ok());
}

TEST_CASE("http1: keep-alive per version and Connection") {
  CHECK(h1::KeepAlive(1, {}));
  CHECK_FALSE(h1::KeepAlive(1, {{"Connection", "close"}}));
  CHECK_FALSE(h1::KeepAlive(1, {{"connection", "Upgrade, CLOSE"}}));
  CHECK_FALSE(h1::KeepAlive(0, {}));
  CHECK(h1::KeepAlive(0, {{"Connection", "Keep-Alive"}}));
  CHECK_FALSE(h1::KeepAlive(0, {{"Connection", "keep-alive"}, {"Connection", "close"}}));
}

TEST_CASE("http1: chunked body under every split, pipelined bytes left") {
  std::string wire = "5\r\nhello\r\n1A;name=\"v\" ; other\r\n" + std::string(26, 'z') +
                     "\r\na \t;ext\r\n0123456789\r\n0\r\n\r\n";
  std::string next = "HTTP/1.1 200 OK\r\n\r\n";
  std::string expected = "hello" + std::string(26, 'z') + "0123456789";
  for (size_t piece = 1; piece <= wire.size() + next.size(); ++piece) {
    CAPTURE(piece);
    Decoded d = DecodeInPieces(wire + next, piece);
    REQUIRE(d.status == ChunkedDecoder::Status::kDone);
    CHECK(d.body == expected);
    CHECK(d.consumed == wire.size());
  }
}

TEST_CASE("http1: chunked trailers, bare LF, uppercase hex, empty body") {
  std::string trailers = "3\r\nabc\r\n0;x\r\nX-Checksum: 1\r\nTrailer-Two: b\r\n\r\nNEXT";
  for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, trailers.size()}) {
    Decoded d = DecodeInPieces(trailers, piece);
    REQUIRE(d.status == ChunkedDecoder::Status::kDone);
    CHECK(d.body == "abc");
    CHECK(d.consumed == trailers.size() - 4);
  }
  Decoded lf = DecodeInPieces("B\nhello world\n0\nT: 1\n\nX", 1);
  REQUIRE(lf.status == ChunkedDecoder::Status::kDone);
  CHECK(lf.body == "hello world");
  CHECK(lf.consumed == 22);
  Decoded empty = DecodeInPieces("0\r\n\r\n", 1);
  CHECK(empty.status == ChunkedDecoder::Status::kDone);
  CHECK(empty.body.empty());
  CHECK(DecodeInPieces("000000000010\r\n" + std::string(16, 'q') + "\r\n0\r\n\r\n", 3).body ==
        std::string(16, 'q'));
  Decoded partial = DecodeInPieces("4\r\nab", 1);
  CHECK(partial.status == ChunkedDecoder::Status::kNeedMore);
  CHECK(partial.body == "ab");
}

TEST_CASE("http1: chunked errors are sticky and bounded") {
  auto status = [](const std::string& wire) { return DecodeInPieces(wire, 1).status; };
  const auto kError = ChunkedDecoder::Status::kError;
  CHECK(status("\r\n") == kError);
  CHECK(status("g\r\n") == kError);
  CHECK(status("-1\r\n") == kError);
  CHECK(status(";x\r\n") == kError);
  CHECK(status("5 5\r\n") == kError);
  CHECK(status("5x\r\n") == kError);
  CHECK(status("5\rx") == kError);
  CHECK(status("3\r\nabcX") == kError);
  CHECK(status("3\r\nabc\rX") == kError);
  CHECK(status("0\r\n\rX") == kError);
  // Size line limit counts extensions too.
  CHECK(status("1;" + std::string(h1::kMaxChunkLineBytes, 'e') + "\r\n") == kError);
  CHECK(status("1;" + std::string(h1::kMaxChunkLineBytes - 4, 'e') + "\r\nx\r\n0\r\n\r\n") ==
        ChunkedDecoder::Status::kDone);
  // 2^62 is the largest size accepted; one more is an error.
  CHECK(status("4000000000000000\r\n") == ChunkedDecoder::Status::kNeedMore);
  CHECK(status("4000000000000001\r\n") == kError);
  CHECK(status("FFFFFFFFFFFFFFFFFF\r\n") == kError);
  CHECK(status("0\r\n" + std::string(h1::kMaxHeadBytes + 1, 'x')) == kError);

  ChunkedDecoder d;
  std::string out;
  size_t used = 99;
  CHECK(d.Feed("zz", 2, &used, &out) == kError);
  CHECK(used == 1);
  CHECK(d.error() == "bad chunk size");
  CHECK(d.Feed("0\r\n\r\n", 5, &used, &out) == kError);
  CHECK(used == 0);
  ChunkedDecoder done;
  REQUIRE(done.Feed("0\r\n\r\n", 5, &used, &out) == ChunkedDecoder::Status::kDone);
  CHECK(done.done());
  CHECK(done.error().empty());
  CHECK(done.Feed("1\r\na\r\n", 6, &used, &out) == ChunkedDecoder::Status::kDone);
  CHECK(used == 0);
  CHECK(out.empty());
}

TEST_CASE("http1: AppendChunk exact bytes and round trip") {
  std::string out = "pre";
  h1::AppendChunk(out, "hello");
  CHECK(out == "pre5\r\nhello\r\n");
  h1::AppendChunk(out, "");
  CHECK(out == "pre5\r\nhello\r\n");
  std::string big(255, 'x');
  std::string wire;
  h1::AppendChunk(wire, big);
  CHECK(wire == "ff\r\n" + big + "\r\n");
  h1::AppendChunk(wire, std::string(4096, 'y'));
  CHECK(wire.substr(big.size() + 6, 6) == "1000\r\n");
  wire += h1::kLastChunk;
  CHECK(h1::kLastChunk == "0\r\n\r\n");
  Decoded d = DecodeInPieces(wire, 5);
  REQUIRE(d.status == ChunkedDecoder::Status::kDone);
  CHECK(d.body == big + std::string(4096, 'y'));
  CHECK(d.consumed == wire.size());
}

TEST_CASE("http1: reason phrases") {
  CHECK(h1::ReasonPhrase(200) == "OK");
  CHECK(h1::ReasonPhrase(100) == "Continue");
  CHECK(h1::ReasonPhrase(404) == "Not Found");
  CHECK(h1::ReasonPhrase(429) == "Too Many Requests");
  CHECK(h1::ReasonPhrase(431) == "Request Header Fields Too Large");
  CHECK(h1::ReasonPhrase(504) == "Gateway Timeout");
  CHECK(h1::ReasonPhrase(418) == "Unknown");
  for (int s : {100, 200, 201, 204, 400, 401, 403, 404, 405, 408, 409, 411, 413, 415, 422, 429,
                431, 500, 501, 502, 503, 504}) {
    CHECK(h1::ReasonPhrase(s) != "Unknown");
  }
}

TEST_CASE("http1: serialised heads, exact bytes, round trip and injection guard") {
  std::string out;
  REQUIRE(h1::AppendRequestHead(out, "POST", "/v1/x?y=1", {{"Host", "a:1"}, {"X-E", ""}}));
  CHECK(out == "POST /v1/x?y=1 HTTP/1.1\r\nHost: a:1\r\nX-E: \r\n\r\n");
  h1::RequestHead req;
  HeadResult r = Req(out, &req);
  REQUIRE(r.status == ParseStatus::kDone);
  CHECK(r.consumed == out.size());
  CHECK(req.headers == Headers{{"Host", "a:1"}, {"X-E", ""}});

  std::string res = "keep";
  REQUIRE(h1::AppendResponseHead(res, 429, {{"Retry-After", "3"}}));
  CHECK(res == "keepHTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\n\r\n");
  h1::ResponseHead head;
  REQUIRE(Res(std::string_view(res).substr(4), &head).status == ParseStatus::kDone);
  CHECK(head.status == 429);

  std::string guarded = "x";
  CHECK_FALSE(h1::AppendResponseHead(guarded, 200, {{"A", "ok"}, {"B", "v\r\nInjected: 1"}}));
  CHECK_FALSE(h1::AppendResponseHead(guarded, 200, {{"Bad Name", "v"}}));
  CHECK_FALSE(h1::AppendResponseHead(guarded, 200, {{"A", std::string("a\0b", 3)}}));
  CHECK_FALSE(h1::AppendResponseHead(guarded, 42, {}));
  CHECK_FALSE(h1::AppendRequestHead(guarded, "GET", "/a b", {}));
  CHECK_FALSE(h1::AppendRequestHead(guarded, "GE T", "/", {}));
  CHECK_FALSE(h1::AppendRequestHead(guarded, "GET", "/", {{"A", "x\ny"}}));
  CHECK(guarded == "x");
}

TEST_CASE("http1: mutated input never overreads and reports sane counts") {
  const std::string head = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string body = "4;x\r\nwxyz\r\n0\r\nT: v\r\n\r\n";
  const char alphabet[] = "\r\n :;\t0aF9\x00\x80";
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u, seed >> 8; };
  for (int round = 0; round < 3000; ++round) {
    std::string h = head, b = body;
    for (int k = 0; k < 3; ++k) {
      h[next() % h.size()] = alphabet[next() % (sizeof(alphabet) - 1)];
      b[next() % b.size()] = alphabet[next() % (sizeof(alphabet) - 1)];
    }
    h1::RequestHead req;
    HeadResult r = Req(h, &req);
    if (r.status == ParseStatus::kDone) CHECK(r.consumed <= h.size());
    if (r.status == ParseStatus::kError) CHECK_FALSE(r.error.empty());
    Decoded whole = DecodeInPieces(b, b.size());
    Decoded bytes = DecodeInPieces(b, 1);
    CHECK(whole.status == bytes.status);
    CHECK(whole.body == bytes.body);
    if (whole.status == ChunkedDecoder::Status::kDone) CHECK(whole.consumed == bytes.consumed);
  }
}
