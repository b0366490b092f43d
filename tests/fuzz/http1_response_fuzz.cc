// Fuzz target: the HTTP/1.1 response side of net/http1.h as the client meets it. The input
// is what an upstream sends on one connection: interim responses, a head, a body framed
// by Content-Length, chunked coding or the connection's end, maybe a next response.
//
// Checked, beyond "no crash, no sanitizer report":
// - parsing a head as it trickles in (the *resume form, pieces from fuzz_util.h) gives
//   exactly what parsing each prefix afresh gives;
// - a parsed head holds a status in 100-599, only what the serialiser's injection guard
//   accepts, and survives a round trip through AppendResponseHead;
// - a framed body never claims more than the input holds.
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "net/http1.h"

namespace {

using namespace detour::net::http1;
using detour::net::Headers;
using detour::fuzz::InputRng;

bool SameHead(const ResponseHead& a, const ResponseHead& b) {
  return a.status == b.status && a.minor_version == b.minor_version && a.reason == b.reason &&
         a.headers == b.headers;
}

void CheckHead(const ResponseHead& h, size_t consumed, size_t available) {
  FUZZ_CHECK(consumed > 0 && consumed <= available && consumed <= kMaxHeadBytes);
  FUZZ_CHECK(h.status >= 100 && h.status <= 599);
  FUZZ_CHECK(h.minor_version == 0 || h.minor_version == 1);
  for (const auto& [name, value] : h.headers) FUZZ_CHECK(SafeHeaderField(name, value));
  std::string wire;
  FUZZ_CHECK(AppendResponseHead(wire, h.status, h.headers));
  ResponseHead again;
  size_t used = 0;
  std::string error;
  FUZZ_CHECK(ParseResponseHead(wire, &again, &used, &error) == ParseStatus::kDone);
  FUZZ_CHECK(used == wire.size() && again.status == h.status && again.headers == h.headers);
  (void)KeepAlive(h.minor_version, h.headers);
}

ParseStatus ParseTrickled(std::string_view buf, InputRng& rng, ResponseHead* head,
                          size_t* consumed) {
  size_t resume = 0, have = 0, step = 0;
  std::string error;
  ParseStatus st = ParseStatus::kIncomplete;
  for (size_t piece : detour::fuzz::SplitSizes(rng, buf.size())) {
    have += piece;
    std::string_view prefix = buf.substr(0, have);
    st = ParseResponseHead(prefix, head, consumed, &error, &resume);
    if (++step <= 512 || st != ParseStatus::kIncomplete) {
      ResponseHead fresh;
      size_t fresh_consumed = 0;
      std::string fresh_error;
      ParseStatus want = ParseResponseHead(prefix, &fresh, &fresh_consumed, &fresh_error);
      FUZZ_CHECK(st == want);
      if (st == ParseStatus::kDone) FUZZ_CHECK(*consumed == fresh_consumed && SameHead(*head, fresh));
      if (st == ParseStatus::kError) FUZZ_CHECK(error == fresh_error);
    }
    if (st != ParseStatus::kIncomplete) break;
  }
  return st;
}

// The body after a head, framed as the client frames it for `method`; returns the bytes
// it used, or npos when the connection ends with it (or it never completes).
size_t TakeBody(std::string_view method, const ResponseHead& head, std::string_view rest) {
  constexpr size_t kEnd = std::string_view::npos;
  auto framing = ResponseFraming(method, head.status, head.headers);
  if (!framing.ok()) return kEnd;
  switch (framing->kind) {
    case BodyFraming::kNone:
      return 0;
    case BodyFraming::kLength: {
      FUZZ_CHECK(framing->length > 0);
      uint64_t take = framing->length < rest.size() ? framing->length : rest.size();
      FUZZ_CHECK(take <= rest.size());
      return take == framing->length ? static_cast<size_t>(take) : kEnd;
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
      return kEnd;
  }
  return kEnd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  InputRng rng(data, size);
  static const char* const kMethods[] = {"POST", "GET", "HEAD", "CONNECT"};
  std::string_view method = kMethods[rng.Below(4)];

  ResponseHead trickled;
  size_t trickled_consumed = 0;
  ParseStatus first = ParseTrickled(input, rng, &trickled, &trickled_consumed);

  ResponseHead head;
  std::string_view rest = input;
  for (int n = 0; n < 16 && !rest.empty(); ++n) {
    size_t consumed = 0;
    std::string error;
    ParseStatus st = ParseResponseHead(rest, &head, &consumed, &error);
    if (n == 0) {
      FUZZ_CHECK(st == first);
      if (st == ParseStatus::kDone) FUZZ_CHECK(consumed == trickled_consumed && SameHead(head, trickled));
    }
    if (st != ParseStatus::kDone) {
      FUZZ_CHECK(st != ParseStatus::kError || !error.empty());
      break;
    }
    CheckHead(head, consumed, rest.size());
    rest.remove_prefix(consumed);
    size_t body = TakeBody(method, head, rest);
    if (body == std::string_view::npos) break;
    rest.remove_prefix(body);
  }
  return 0;
}
