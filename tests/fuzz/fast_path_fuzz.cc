// Fuzz target: the same-protocol fast path against the DOM path (issue #20). The input is
// read three ways, as a request body (ParseChatRequestFast and the spliced upstream
// body), as an upstream answer (ScanCompletion) and as one stream chunk (ScanChunk and
// the gate's splice of `usage`), and each fast reading must agree with the DOM reading of
// the same bytes or decline so the DOM path decides (tests/support/fast_path_diff.h).
// Beyond that: no crash, no sanitizer report.
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "support/fast_path_diff.h"

namespace {

void Agree(const std::string& diff, const char* what) {
  if (diff.empty()) return;
  std::fprintf(stderr, "fast path disagrees with the DOM path (%s): %s\n", what, diff.c_str());
  FUZZ_CHECK(false && "fast path disagrees with the DOM path");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Agree(detour::testing::RequestDiff(text), "request");
  Agree(detour::testing::CompletionDiff(text), "answer");
  Agree(detour::testing::ChunkDiff(text), "chunk");
  return 0;
}
