// The process-wide deadline watchdog: one thread that watches every registered exchange
// and cuts it (calls its `cut` function) when its Deadline passes or its cancel flag
// turns true. It checks every 10 ms, so a silent upstream is cut within ~10-20 ms of the
// deadline. A cut runs on a short-lived thread of its own because cutting an exchange
// still connecting waits for the connect to end, and that must not delay other cuts.
// If the exchange is still registered 100 ms after a cut, the cut is repeated (it may
// have landed just before the connection was opened).
//
// Thread-safety: all methods are safe from any thread. An Entry must stay alive and
// registered only between Add and Remove, which return promptly (no I/O under the lock).
#pragma once

#include <functional>

#include "model/types.h"
#include "net/http_client.h"

namespace detour::net {

enum class Fired { kNone, kDeadline, kCancel };

struct WatchEntry {
  const Deadline* deadline = nullptr;
  const CancelFlag* cancel = nullptr;
  std::function<void()> cut;  // copied to the cutting thread: must own what it touches
  // Owned by the watchdog while registered.
  Fired fired = Fired::kNone;
  TimePoint last_cut{};
};

class Watchdog {
 public:
  // The single instance; its thread starts on first use and lives for the process.
  static Watchdog& Get();
  void Add(WatchEntry* entry);
  // Unregisters and tells whether (and why) the exchange was cut.
  Fired Remove(WatchEntry* entry);

 private:
  Watchdog();
  void Loop();
  struct State;
  State* state_;
};

}  // namespace detour::net
