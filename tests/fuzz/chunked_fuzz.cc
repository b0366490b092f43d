// Fuzz target: the incremental chunked decoder (net/http1_chunked.cc). The input is the
// bytes after a head that said "Transfer-Encoding: chunked", maybe followed by the next
// message on the connection.
//
// Checked, beyond "no crash, no sanitizer report":
// - any split of the input (pieces from fuzz_util.h) decodes to the same payload, status,
//   error and consumed byte count as the whole input at once;
// - the payload is never longer than the bytes consumed, and consumption never passes
//   the input; after kDone the decoder consumes nothing more; kError is sticky;
// - re-encoding the payload with AppendChunk + kLastChunk decodes back to it.
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "net/http1.h"

namespace {

using namespace detour::net::http1;
using detour::net::Headers;
using detour::fuzz::InputRng;

struct Result {
  ChunkedDecoder::Status status = ChunkedDecoder::Status::kNeedMore;
  size_t consumed = 0;
  std::string payload;
  std::string error;
};

Result DecodeWhole(std::string_view in) {
  ChunkedDecoder d;
  Result r;
  r.status = d.Feed(in.data(), in.size(), &r.consumed, &r.payload);
  FUZZ_CHECK(r.consumed <= in.size() && r.payload.size() <= r.consumed);
  FUZZ_CHECK(d.done() == (r.status == ChunkedDecoder::Status::kDone));
  r.error = std::string(d.error());
  FUZZ_CHECK(r.error.empty() == (r.status != ChunkedDecoder::Status::kError));
  if (r.status != ChunkedDecoder::Status::kNeedMore) {  // nothing moves it any more
    size_t more = 1;
    std::string extra;
    FUZZ_CHECK(d.Feed("0\r\n\r\n", 5, &more, &extra) == r.status);
    FUZZ_CHECK(extra.empty());
    if (r.status == ChunkedDecoder::Status::kDone) FUZZ_CHECK(more == 0);
  } else {
    FUZZ_CHECK(r.consumed == in.size());  // it waits for more only when it used everything
  }
  return r;
}

Result DecodeSplit(std::string_view in, InputRng& rng) {
  ChunkedDecoder d;
  Result r;
  size_t offset = 0;
  for (size_t piece : detour::fuzz::SplitSizes(rng, in.size())) {
    size_t used = 0;
    size_t before = r.payload.size();
    r.status = d.Feed(in.data() + offset, piece, &used, &r.payload);
    FUZZ_CHECK(used <= piece && r.payload.size() - before <= used);
    r.consumed += used;
    offset += piece;
    if (r.status != ChunkedDecoder::Status::kNeedMore) break;
    FUZZ_CHECK(used == piece);
  }
  r.error = std::string(d.error());
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  InputRng rng(data, size);
  Result whole = DecodeWhole(input);
  Result split = DecodeSplit(input, rng);
  FUZZ_CHECK(split.status == whole.status);
  FUZZ_CHECK(split.consumed == whole.consumed);
  FUZZ_CHECK(split.payload == whole.payload);
  FUZZ_CHECK(split.error == whole.error);

  // Round trip: the payload, re-chunked at random sizes, decodes back to itself.
  std::string wire;
  std::string_view payload = whole.payload;
  for (size_t piece : detour::fuzz::SplitSizes(rng, payload.size())) {
    AppendChunk(wire, payload.substr(0, piece));
    payload.remove_prefix(piece);
  }
  wire.append(kLastChunk);
  Result back = DecodeWhole(wire);
  FUZZ_CHECK(back.status == ChunkedDecoder::Status::kDone);
  FUZZ_CHECK(back.consumed == wire.size() && back.payload == whole.payload);
  return 0;
}
