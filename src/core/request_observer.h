// One request observer (DESIGN.md rule 10): the router reports every attempt as it ends
// and every request once when it ends, streamed or not, failed or not, through this
// interface. Logs read it now; /metrics, the usage log and `bench` are more observers.
//
// Calls run on the request's own thread (or fiber), may run concurrently for different
// requests, and must not block: an observer that does I/O hands it off.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/attempt_log.h"
#include "model/clock.h"
#include "model/error.h"
#include "model/types.h"

namespace detour {

struct RouteInfo;

// What stream repair (SPEC 3.5) did for a request.
struct ReplayReport {
  int tried = 0;      // replay attempts started after a committed stream failed
  bool held = false;  // one of them reproduced the text and completed the answer
};

struct RequestReport {
  std::string id;         // "req_" + 16 hex: the request id in logs, usage lines, traces
  WallTime started{};     // calendar time the request began
  std::string requested;  // the group (or deployment id) the caller asked for
  bool stream = false;
  // What the caller got: 200, or the failure's status. A stream that failed after commit
  // is a 200 whose body ended with an error event (`committed_failure`).
  int status = 200;
  bool ok = false;
  bool committed_failure = false;
  std::string deployment;  // the one that answered ("" when none did)
  std::string group;       // the group that answered
  std::vector<AttemptRecord> attempts;  // every upstream attempt, the answering one last
  std::optional<Error> error;           // the defining error when !ok
  Usage usage;
  double cost_usd = 0;
  Millis total{0};                    // request start to its end
  std::optional<Millis> first_token;  // streams: request start to the first token sent
  ReplayReport replay;
  bool cache_hit = false;  // answered from the response cache: no attempts were made
  std::string team = "default";  // who asked (SPEC 9): the client key's team
};

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // An attempt ended; `retry_in` / `falls_back` say what the walk does next.
  virtual void OnAttempt(const AttemptRecord&) {}
  virtual void OnRequestEnd(const RequestReport&) {}
};

}  // namespace detour
