// The outage record (`[record] path`, SPEC 7): one JSON object per upstream attempt, in
// the shape config/trace.h RecordedAttempt reads back for `bench` and `sim`:
//   {"time":"2026-12-06T17:03:04.120Z","deployment":"openai/gpt-4o","provider":"openai",
//    "model":"gpt-4o","kind":"ok","status":200,"first_token_ms":412,"total_ms":2330,
//    "stream":true}
// `time` is when the attempt started; `kind` is "ok" or an error kind name; `status` is
// the upstream's (200 for ok, 0 when no status arrived); `first_token_ms` is null when
// no token came (and for buffered requests). Lines are written when the request ends,
// its attempts in order, so lines of concurrent requests may interleave out of time
// order: readers sort by `time`. Appended and flushed per line off the request path.
#pragma once

#include <memory>
#include <string>

#include "core/request_observer.h"
#include "server/jsonl_file.h"

namespace detour {

std::string RecordLine(const AttemptRecord& a, bool stream);

class RecordLog final : public RequestObserver {
 public:
  explicit RecordLog(std::unique_ptr<JsonlFile> file);
  void OnRequestEnd(const RequestReport& r) override;
  JsonlFile& file() { return *file_; }

 private:
  std::unique_ptr<JsonlFile> file_;
};

}  // namespace detour
