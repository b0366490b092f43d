// Serving one scripted step on one connection (the modes, delays and framing of
// fake_script.h). Internal to the fake upstream.
#pragma once

#include <functional>

#include "support/fake_script.h"

namespace detour::testing {

struct ConnIo {
  int fd = -1;
  bool keep_alive = true;
  // Sleeps; false when the server is stopping (the caller then gives up).
  std::function<bool(int ms)> sleep;
  // Closes the connection with SO_LINGER 0: the peer sees a reset.
  std::function<void()> reset;
  // Blocks until the peer closes or the server stops.
  std::function<void()> wait_silently;
  // The first content event (or a non-stream body) is about to be sent.
  std::function<void()> first_token = [] {};
};

// Sends the step's answer. Returns true when the connection may serve another request.
bool Respond(const FakeStep& step, const RequestFacts& facts, ConnIo& io);

}  // namespace detour::testing
