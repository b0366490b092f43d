// Internal to sim/: what an inbound request asks for, read from its path, query and body
// (pure). Paths as in simulator.h; /d/{percent-encoded deployment id} may prefix any.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/clock.h"

#include "sim/wire.h"

namespace detour::sim {

// What ArrivalTag (simulator.h) put in a prompt.
struct ScheduledArrival {
  uint64_t index = 0;
  Millis at{0};
};

struct SimRequest {
  enum class What { kChat, kModels, kEmbeddings, kUnknown };
  What what = What::kUnknown;
  Protocol protocol = Protocol::kOpenAI;
  std::string deployment;
  std::string model;
  bool stream = false;
  bool include_usage = false;
  int max_tokens = 0;     // 0 = not given
  int prompt_tokens = 1;  // estimated from the body
  int inputs = 1;         // embeddings: how many inputs
  std::optional<ScheduledArrival> arrival;  // the body's ArrivalTag, if any
  std::string error;      // a 400/404 to answer instead ("" = fine)
  int error_status = 0;
};

SimRequest ParseRequest(const std::string& method, const std::string& path,
                        const std::string& query, const std::string& body);

// The first ArrivalTag in `body` (raw request bytes), if any (a time past about 30 years
// is no tag).
std::optional<ScheduledArrival> FindArrivalTag(std::string_view body);

std::string PercentEncode(const std::string& s);
std::string PercentDecode(const std::string& s);

}  // namespace detour::sim
