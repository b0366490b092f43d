// Fuzz target: the trace loaders (config/trace.h). The first byte picks the format: even,
// a SPEC 7 TOML trace (LoadTraceText); odd, a `[record]` JSONL file
// (LoadRecordedTraceText). The rest is the file's text.
//
// Checked, beyond "no crash, no sanitizer report, no exception escaping the loader":
// - a rejected trace reports at least one issue, each with a message;
// - an accepted trace has a positive duration, fault windows starting at or after 0
//   with from < to (they may run past the end) and rates in [0, 1], and recorded attempts in time order.
#include <string>

#include "config/trace.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool recorded = data[0] & 1;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto loaded = recorded ? detour::LoadRecordedTraceText(text, "fuzz.jsonl")
                         : detour::LoadTraceText(text, "fuzz.toml");
  if (!loaded.ok()) {
    FUZZ_CHECK(!loaded.error().issues.empty());
    for (const auto& issue : loaded.error().issues) FUZZ_CHECK(!issue.message.empty());
    return 0;
  }
  const detour::Trace& t = *loaded;
  FUZZ_CHECK(t.duration.count() > 0);
  for (const auto& f : t.faults) {
    FUZZ_CHECK(f.from < f.to);
    FUZZ_CHECK(f.from.count() >= 0);  // a window may run past the end: the trace just stops
    FUZZ_CHECK(f.rate >= 0 && f.rate <= 1);
  }
  for (size_t i = 1; i < t.recorded.size(); ++i) FUZZ_CHECK(t.recorded[i - 1].at <= t.recorded[i].at);
  return 0;
}
