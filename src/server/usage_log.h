// The usage log (`[usage] log`, SPEC 5): one JSON object per request, appended and
// flushed per line by a writer thread (server/jsonl_file.h), never a prompt or a secret:
//   {"time":"2026-12-06T17:03:04.120Z","id":"req_…","team":"default","model_group":"fast",
//    "deployment":"openai/gpt-4o","status":200,"stream":false,"attempts":2,
//    "prompt_tokens":12,"completion_tokens":30,"cost_usd":0.00042,"ms":812,"cache":"miss"}
// `time` is when the request ended (when its cost was spent: Budgets::ReplayUsageLog
// reads time, team and cost_usd); `model_group` is the group the client asked for;
// `deployment` is null when none answered; `cache` is "hit" / "miss" when [cache] is on,
// else null. Failed attempts cost nothing, so a failed request has cost_usd 0.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/request_observer.h"
#include "server/jsonl_file.h"

namespace detour {

// The line for one request (without newline). `cache_on`: [cache] is enabled.
std::string UsageLine(const RequestReport& r, bool cache_on);

class UsageLog final : public RequestObserver {
 public:
  // `cache_on` is asked per request (a reload may switch the cache on or off).
  UsageLog(std::unique_ptr<JsonlFile> file, std::function<bool()> cache_on);
  void OnRequestEnd(const RequestReport& r) override;
  JsonlFile& file() { return *file_; }

 private:
  std::unique_ptr<JsonlFile> file_;
  std::function<bool()> cache_on_;
};

}  // namespace detour
