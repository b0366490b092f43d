// SseParser: framing rules of provider-protocols.md section 1, under every read split.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/sse.h"

using detour::net::SseEvent;
using detour::net::SseParser;

namespace {

std::vector<SseEvent> ParseInPieces(const std::string& text, size_t piece, bool finish = true) {
  std::vector<SseEvent> out;
  SseParser parser;
  auto sink = [&](const SseEvent& e) {
    out.push_back(e);
    return true;
  };
  for (size_t i = 0; i < text.size(); i += piece) {
    std::string part = text.substr(i, piece);
    REQUIRE(parser.Feed(part.data(), part.size(), sink));
  }
  if (finish) REQUIRE(parser.Finish(sink));
  return out;
}

// Same events whatever the split: every piece size from 1 byte to the whole text.
std::vector<SseEvent> ParseAllSplits(const std::string& text) {
  std::vector<SseEvent> whole = ParseInPieces(text, text.size() ? text.size() : 1);
  for (size_t piece = 1; piece < text.size(); ++piece) {
    auto split = ParseInPieces(text, piece);
    REQUIRE(split.size() == whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
      CHECK(split[i].event == whole[i].event);
      CHECK(split[i].data == whole[i].data);
    }
  }
  return whole;
}

}  // namespace

TEST_CASE("sse: data events, any split") {
  auto ev = ParseAllSplits("data: {\"a\":1}\n\ndata: [DONE]\n\n");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].data == "{\"a\":1}");
  CHECK(ev[0].event == "");
  CHECK(ev[1].data == "[DONE]");
}

TEST_CASE("sse: CRLF and lone CR line ends, split between CR and LF") {
  auto ev = ParseAllSplits("event: ping\r\ndata: x\r\n\r\ndata: y\r\rdata: z\n\n");
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].event == "ping");
  CHECK(ev[0].data == "x");
  CHECK(ev[1].data == "y");
  CHECK(ev[2].data == "z");
}

TEST_CASE("sse: comments are skipped, multi-line data joined with newline") {
  auto ev = ParseAllSplits(": keep-alive\n\ndata: one\ndata:two\ndata:  three\n\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].data == "one\ntwo\n three");  // only one leading space is stripped
}

TEST_CASE("sse: event name and data; mid UTF-8 splits survive") {
  auto ev = ParseAllSplits("event: content_block_delta\ndata: {\"t\":\"h\xC3\xA9llo \xE2\x82\xAC\"}\n\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].event == "content_block_delta");
  CHECK(ev[0].data == "{\"t\":\"h\xC3\xA9llo \xE2\x82\xAC\"}");
}

TEST_CASE("sse: missing final blank line is flushed by Finish, not before") {
  auto none = ParseInPieces("data: last", 3, /*finish=*/false);
  CHECK(none.empty());
  auto ev = ParseAllSplits("data: a\n\ndata: last");
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].data == "last");
  auto ev2 = ParseAllSplits("data: a\n\ndata: b\n");
  REQUIRE(ev2.size() == 2);
  CHECK(ev2[1].data == "b");
}

TEST_CASE("sse: field without colon and empty data") {
  auto ev = ParseAllSplits("data\n\ndata:\n\n");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].data == "");
  CHECK(ev[1].data == "");
}

TEST_CASE("sse: a sink returning false stops parsing") {
  SseParser parser;
  int calls = 0;
  std::string text = "data: 1\n\ndata: 2\n\n";
  bool ok = parser.Feed(text.data(), text.size(), [&](const SseEvent&) {
    ++calls;
    return false;
  });
  CHECK_FALSE(ok);
  CHECK(calls == 1);
}
