// The simulated providers (SPEC 7, 1.5): one HTTP server on loopback that speaks each
// provider's real wire protocol (docs in README "Simulator"), with realistic latency
// (log-normal first token around the trace's median, then tokens_per_second) and the
// trace's faults applied by trace time. Serves `bench`, `sim`, `serve --demo` and tests.
//
// Paths (SPEC 1.5):  OpenAI  /v1/chat/completions, /v1/embeddings, /v1/models
//                    Azure   /azure/openai/deployments/{model}/chat/completions?api-version=
//                    Anthropic /anthropic/v1/messages
//                    Gemini  /gemini/v1beta/models/{model}:generateContent|streamGenerateContent
// Any of them may be prefixed by /d/{deployment-id} so a fault can target one deployment
// (bench points each deployment's api_base there); without it the deployment is unknown
// and only provider:/model:/"*" targets match. provider:NAME matches the protocol
// (openai, azure, anthropic, gemini).
//
// Determinism: whether a request gets a fault is drawn from a generator seeded by
// (seed, target, request ordinal), so the same seed gives the same fault schedule. A
// request is placed on the trace when it arrives, unless its body carries an ArrivalTag.
// Thread-safe; Stop() (or the destructor) closes the listener and every connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/trace.h"
#include "model/clock.h"
#include "util/expected.h"

namespace detour::sim {

struct SimOptions {
  std::string listen = "127.0.0.1:0";  // loopback only; port 0 picks one
  uint64_t seed = 1;
  // Trace time: the simulator reads Now() - start to place fault windows, and waits
  // latencies through it (bench passes its ScaledClock, so a 30-minute trace plays in
  // seconds). nullptr = the real clock, start = when Start() ran.
  Clock* clock = nullptr;
  std::optional<TimePoint> start;
  // Stream tokens due within this much trace time of a batch's first token go out in the
  // same write (each still its own event). 0 = one write per token, as providers do. Bench
  // sets a few real milliseconds' worth, so a 60x replay does not cost a write per token
  // (first tokens, cuts and stalls keep their exact times).
  Millis min_write_gap{0};
};

struct SimCounters {
  std::map<std::string, long> requests;  // per deployment id ("" when unknown) or protocol
  long faults = 0;                       // requests that got a fault
};

// A replay (bench) tags each prompt with its scheduled arrival: the index-th arrival, due
// at trace time `at`. The simulator places the first attempt of a tagged request at `at`,
// not when it arrived (a busy machine delivers it late, and at 75x a 20 ms delay is 1.5 s
// of trace time: enough to cross a fault window's edge), and each later attempt of it at
// `at` plus the trace time since the first. So the same seed gives the same faults to
// every first attempt however far the replay falls behind. The tag is plain text
// ("[detour-arrival 17 @ 29873ms]"), so it survives translation into any protocol.
std::string ArrivalTag(uint64_t index, Millis at);

class Simulator {
 public:
  static Expected<std::unique_ptr<Simulator>, std::string> Start(const Trace& trace,
                                                                 SimOptions options);
  virtual ~Simulator() = default;
  // "http://127.0.0.1:PORT"; base URLs per protocol for a config's api_base:
  //   openai -> {root}/v1, azure -> {root}/azure, anthropic -> {root}/anthropic,
  //   gemini -> {root}/gemini; with a deployment id: {root}/d/{id}/... likewise.
  virtual std::string Root() const = 0;
  virtual std::string BaseUrl(const std::string& protocol, const std::string& deployment = "") const = 0;
  virtual SimCounters Counters() const = 0;
  virtual void Stop() = 0;
};

}  // namespace detour::sim
