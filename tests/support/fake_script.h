// The script of the fake upstream: what it answers, per path prefix. Plain data plus the
// JSON reader and the renderers that turn a step into response bytes.
//
// JSON form (also accepted by `fake_upstream --script` and POST /__script):
//   {"routes": {"/v1/chat": [step, ...], "": [step]}}
// A route's steps are consumed in order, one per request to that prefix (the longest
// matching prefix wins; "" is the default); the last step repeats.
// Step fields (all optional): status (200), headers {name: value}, body (string, or JSON
// serialised), reply "text" (an OpenAI chat.completion), stream ["He","llo"] (OpenAI
// chat.completion.chunk events), done (true: send [DONE]), finish (true: a finish chunk),
// usage {prompt_tokens, completion_tokens} override, include_usage (default: what the
// request's stream_options.include_usage says), mode "normal" | "silent" | "reset" |
// "trickle" | "cut", trickle_interval_ms (1000), cut_after (1 event, or bytes of a
// non-stream body), delay_ms, chunk_interval_ms, first_chunk_delay_ms.
// Thread-safety: plain values; render functions are pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/expected.h"

namespace detour::testing {

using Json = nlohmann::json;

enum class FakeMode { kNormal, kSilent, kReset, kTrickle, kCut };

// In an inline namespace: tests/unit/providers/fake_http.h declares another
// detour::testing::FakeStep, and both are linked into detour_tests. Two classes under one
// mangled name break the one-definition rule: the linker keeps one copy of their inline
// members (destructors, vector and Expected code), so one side ran the other's layout and
// crashed under ASan. This gives ours its own mangled name; users still write FakeStep.
inline namespace upstream {
struct FakeStep {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> reply;
  std::optional<std::vector<std::string>> stream;
  bool done = true;
  bool finish = true;
  std::optional<Json> usage;
  std::optional<bool> include_usage;
  FakeMode mode = FakeMode::kNormal;
  int trickle_interval_ms = 1000;
  int cut_after = 1;
  int delay_ms = 0;
  int chunk_interval_ms = 0;
  int first_chunk_delay_ms = 0;

  static FakeStep Reply(std::string text);
  static FakeStep Stream(std::vector<std::string> pieces);
  static FakeStep Status(int status, std::string body);
  static FakeStep Mode(FakeMode mode);
};
}  // namespace upstream

struct FakeScript {
  std::map<std::string, std::vector<FakeStep>> routes;
  // Convenience: one route.
  FakeScript& Route(std::string prefix, std::vector<FakeStep> steps);
};

Expected<FakeStep, std::string> StepFromJson(const Json& j);
Expected<FakeScript, std::string> ScriptFromJson(const Json& j);
Expected<FakeScript, std::string> ScriptFromText(const std::string& text);

// What the request asked for that shapes the answer.
struct RequestFacts {
  std::string model = "unknown";
  bool include_usage = false;
};
RequestFacts FactsOf(const std::string& request_body);

// A non-stream step's body and its default content type.
std::string RenderBody(const FakeStep& step, const RequestFacts& facts, std::string* content_type);
// A stream step's SSE events, each a complete "data: ...\n\n" text, in sending order.
std::vector<std::string> RenderEvents(const FakeStep& step, const RequestFacts& facts);
// Index in RenderEvents of the first content chunk (after the role chunk).
constexpr size_t kFirstContentEvent = 1;

}  // namespace detour::testing
