// Fuzz target: the HTTP/1.1 request side of net/http1.h as the server meets it. The input
// is the byte stream of one client connection: heads, bodies and pipelined requests.
//
// Checked, beyond "no crash, no sanitizer report":
// - parsing a head as it trickles in (the *resume form, pieces from fuzz_util.h) gives
//   exactly what parsing each prefix afresh gives, and stops at the same prefix;
// - a parsed head only holds what the serialiser's injection guard accepts, and survives
//   a round trip through AppendRequestHead;
// - a head object reused across requests parses like a fresh one;
// - a framed body never claims more than the input holds (Content-Length is cut to what
//   arrived; a chunked body decodes to no more bytes than it consumed).
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "net/http1.h"

namespace {

using namespace detour::net::http1;
using detour::net::Headers;
using detour::fuzz::InputRng;

bool SameHead(const RequestHead& a, const RequestHead& b) {
  return a.method == b.method && a.target == b.target && a.minor_version == b.minor_version &&
         a.headers == b.headers;
}

bool NoOuterSpace(std::string_view v) {
  auto ws = [](char c) { return c == ' ' || c == '\t'; };
  return v.empty() || (!ws(v.front()) && !ws(v.back()));
}

// What every successfully parsed head must satisfy.
void CheckHead(const RequestHead& h, size_t consumed, size_t available) {
  FUZZ_CHECK(consumed > 0 && consumed <= available && consumed <= kMaxHeadBytes);
  FUZZ_CHECK(h.minor_version == 0 || h.minor_version == 1);
  for (const auto& [name, value] : h.headers) {
    FUZZ_CHECK(SafeHeaderField(name, value));
    FUZZ_CHECK(NoOuterSpace(value));
  }
  std::string wire;
  FUZZ_CHECK(AppendRequestHead(wire, h.method, h.target, h.headers));
  RequestHead again;
  size_t used = 0;
  std::string error;
  FUZZ_CHECK(ParseRequestHead(wire, &again, &used, &error) == ParseStatus::kDone);
  FUZZ_CHECK(used == wire.size());
  FUZZ_CHECK(again.method == h.method && again.target == h.target && again.headers == h.headers);
  (void)KeepAlive(h.minor_version, h.headers);
  (void)HeaderHasToken(h.headers, "Expect", "100-continue");
}

// Parses `buf` as it would arrive in pieces; returns the final status and sets the
// outputs as ParseRequestHead does. Each intermediate answer is compared with a fresh
// parse of the same prefix.
ParseStatus ParseTrickled(std::string_view buf, InputRng& rng, RequestHead* head,
                          size_t* consumed) {
  size_t resume = 0, have = 0, step = 0;
  std::string error;
  ParseStatus st = ParseStatus::kIncomplete;
  for (size_t piece : detour::fuzz::SplitSizes(rng, buf.size())) {
    have += piece;
    std::string_view prefix = buf.substr(0, have);
    st = ParseRequestHead(prefix, head, consumed, &error, &resume);
    if (++step <= 512 || st != ParseStatus::kIncomplete) {
      RequestHead fresh;
      size_t fresh_consumed = 0;
      std::string fresh_error;
      ParseStatus want = ParseRequestHead(prefix, &fresh, &fresh_consumed, &fresh_error);
      FUZZ_CHECK(st == want);
      if (st == ParseStatus::kDone) FUZZ_CHECK(*consumed == fresh_consumed && SameHead(*head, fresh));
      if (st == ParseStatus::kError) FUZZ_CHECK(error == fresh_error);
    }
    if (st != ParseStatus::kIncomplete) break;
  }
  return st;
}

// The body after a head, as the server frames it; returns the bytes it used, or npos when
// the connection would end (framing error, body incomplete or malformed).
size_t TakeBody(const Headers& headers, std::string_view rest) {
  constexpr size_t kEnd = std::string_view::npos;
  auto framing = RequestFraming(headers);
  if (!framing.ok()) return kEnd;
  switch (framing->kind) {
    case BodyFraming::kNone:
      return 0;
    case BodyFraming::kLength: {
      FUZZ_CHECK(framing->length > 0);
      if (framing->length > rest.size()) return kEnd;  // the rest never arrived
      std::string body(rest.substr(0, static_cast<size_t>(framing->length)));
      FUZZ_CHECK(body.size() <= rest.size());
      return body.size();
    }
    case BodyFraming::kChunked: {
      ChunkedDecoder decoder;
      std::string body;
      size_t used = 0;
      auto st = decoder.Feed(rest.data(), rest.size(), &used, &body);
      FUZZ_CHECK(used <= rest.size() && body.size() <= used);
      return st == ChunkedDecoder::Status::kDone ? used : kEnd;
    }
    case BodyFraming::kUntilClose:
      FUZZ_CHECK(false && "a request is never framed by the connection's end");
  }
  return kEnd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  InputRng rng(data, size);

  RequestHead trickled;
  size_t trickled_consumed = 0;
  ParseStatus first = ParseTrickled(input, rng, &trickled, &trickled_consumed);

  // The connection: request after request, one head object reused as a server may.
  RequestHead reused;
  std::string_view rest = input;
  for (int n = 0; n < 16 && !rest.empty(); ++n) {
    size_t consumed = 0;
    std::string error;
    ParseStatus st = ParseRequestHead(rest, &reused, &consumed, &error);
    if (n == 0) {
      FUZZ_CHECK(st == first);
      if (st == ParseStatus::kDone) FUZZ_CHECK(consumed == trickled_consumed && SameHead(reused, trickled));
    }
    if (st != ParseStatus::kDone) {
      FUZZ_CHECK(st != ParseStatus::kError || !error.empty());
      break;
    }
    RequestHead fresh;
    size_t fresh_consumed = 0;
    FUZZ_CHECK(ParseRequestHead(rest, &fresh, &fresh_consumed, &error) == ParseStatus::kDone);
    FUZZ_CHECK(SameHead(fresh, reused) && fresh_consumed == consumed);
    CheckHead(reused, consumed, rest.size());
    rest.remove_prefix(consumed);
    size_t body = TakeBody(reused.headers, rest);
    if (body == std::string_view::npos) break;
    rest.remove_prefix(body);
  }
  return 0;
}
