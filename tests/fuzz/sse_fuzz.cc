// Fuzz target: the Server-Sent Events decoder (net/sse.h) as a streaming provider
// reader uses it. The input is the body of an upstream text/event-stream response.
//
// Checked, beyond "no crash, no sanitizer report":
// - any split of the stream (pieces from fuzz_util.h: mid-line, mid-CRLF, mid-UTF-8)
//   yields the same events as the whole stream fed at once, and Finish() flushes the
//   same trailing event;
// - an event holds no line break except the "\n" that joins data lines, and its event
//   name none at all;
// - a consumer that stops after k events (returns false) stops both ways at the same one.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "net/sse.h"

namespace {

using detour::fuzz::InputRng;
using detour::net::SseEvent;
using detour::net::SseParser;

struct Run {
  std::vector<SseEvent> events;
  bool stopped = false;
};

// Feeds `pieces` (sizes summing to the input) and then Finish; stops after `limit` events.
Run Parse(std::string_view in, const std::vector<size_t>& pieces, size_t limit) {
  SseParser parser;
  Run run;
  auto on_event = [&](const SseEvent& e) {
    FUZZ_CHECK(e.event.find_first_of("\r\n") == std::string::npos);
    FUZZ_CHECK(e.data.find('\r') == std::string::npos);
    run.events.push_back(e);
    return run.events.size() < limit;
  };
  size_t offset = 0;
  for (size_t piece : pieces) {
    if (!parser.Feed(in.data() + offset, piece, on_event)) {
      run.stopped = true;
      return run;
    }
    offset += piece;
  }
  run.stopped = !parser.Finish(on_event);
  return run;
}

bool Same(const Run& a, const Run& b) {
  if (a.stopped != b.stopped || a.events.size() != b.events.size()) return false;
  for (size_t i = 0; i < a.events.size(); ++i) {
    if (a.events[i].event != b.events[i].event || a.events[i].data != b.events[i].data) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  InputRng rng(data, size);
  std::vector<size_t> whole;
  if (size > 0) whole.push_back(size);
  constexpr size_t kAll = static_cast<size_t>(-1);

  Run all = Parse(input, whole, kAll);
  FUZZ_CHECK(!all.stopped);
  Run split = Parse(input, detour::fuzz::SplitSizes(rng, size), kAll);
  FUZZ_CHECK(Same(all, split));

  if (!all.events.empty()) {
    size_t limit = 1 + rng.Below(all.events.size());
    Run a = Parse(input, whole, limit);
    Run b = Parse(input, detour::fuzz::SplitSizes(rng, size), limit);
    FUZZ_CHECK(a.stopped && a.events.size() == limit);
    FUZZ_CHECK(Same(a, b));
  }
  return 0;
}
