// The commit gate's usage rule (SPEC 3.5): a client that did not ask for usage gets no
// usage chunk and no `usage` member, whether the chunk came as the upstream's text (the
// same-protocol fast path, read with simdjson) or as a DOM; a client that asked gets both.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/commit_gate.h"
#include "core/route_table.h"
#include "model/clock.h"

namespace detour {
namespace {

// What reaches the client: each forwarded chunk's JSON.
struct Collect final : StreamConsumer {
  std::vector<Json> chunks;
  bool OnCommit(const RouteInfo&) override { return true; }
  bool OnChunk(StreamChunk& c) override {
    chunks.push_back(ChunkJson(c));
    return true;
  }
};

StreamChunk Raw(std::string text, bool content) {
  StreamChunk c;
  c.raw = std::move(text);
  c.has_content = content;
  return c;
}

StreamChunk Dom(const char* text, bool content) {
  StreamChunk c;
  c.data = Json::parse(text);
  c.has_content = content;
  return c;
}

// The first chunk commits; `chunk` follows. Returns what the client saw of `chunk`
// (nothing when the gate dropped it).
std::vector<Json> AfterCommit(StreamChunk chunk, bool wants_usage) {
  ChatRequest req;
  req.client_wants_usage = wants_usage;
  Collect client;
  FakeClock clock;
  CommitGate gate(req, client, clock, nullptr);
  Deployment d;
  d.cfg.id = "a";
  d.cfg.model_name = "g";
  gate.BeginAttempt(d, RouteInfo{}, AttemptLimits{});
  StreamChunk first = Raw(R"({"choices":[{"index":0,"delta":{"content":"hi"}}]})", true);
  REQUIRE(gate.OnChunk(first));
  chunk.usage = Usage{};
  REQUIRE(gate.OnChunk(chunk));
  REQUIRE(client.chunks.size() >= 1);
  return {client.chunks.begin() + 1, client.chunks.end()};
}

const char* kUsageOnly = R"({"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2}})";
const char* kUsageWithChoice =
    R"({"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":9}})";

TEST_CASE("commit gate: a usage chunk the client did not ask for is dropped, as text or DOM") {
  CHECK(AfterCommit(Raw(kUsageOnly, false), false).empty());
  CHECK(AfterCommit(Dom(kUsageOnly, false), false).empty());
  // No "choices" at all is a usage chunk too.
  CHECK(AfterCommit(Raw(R"({"usage":{"prompt_tokens":1}})", false), false).empty());
  // A repeated key counts as the DOM reads it: the last "choices" (empty) wins.
  CHECK(AfterCommit(Raw(R"({"choices":[{"index":0,"delta":{}}],"choices":[],"usage":{}})", false), false).empty());
}

TEST_CASE("commit gate: usage on a chunk with choices loses only its usage member") {
  for (StreamChunk c : {Raw(kUsageWithChoice, false), Dom(kUsageWithChoice, false)}) {
    auto seen = AfterCommit(std::move(c), false);
    REQUIRE(seen.size() == 1);
    CHECK_FALSE(seen[0].contains("usage"));
    CHECK(seen[0]["choices"][0]["finish_reason"] == "stop");
  }
  // The last "choices" (non-empty) wins over an earlier empty one.
  auto seen = AfterCommit(Raw(R"({"choices":[],"choices":[{"index":0,"delta":{}}],"usage":{}})", false), false);
  REQUIRE(seen.size() == 1);
  CHECK_FALSE(seen[0].contains("usage"));
}

TEST_CASE("commit gate: a client that asked for usage gets the usage chunk as sent") {
  for (StreamChunk c : {Raw(kUsageOnly, false), Dom(kUsageOnly, false)}) {
    auto seen = AfterCommit(std::move(c), true);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == Json::parse(kUsageOnly));
  }
}

}  // namespace
}  // namespace detour
