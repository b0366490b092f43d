// Shared by the fiber tests: a bounded wait on an ordinary thread.
#pragma once

#include <chrono>
#include <thread>

namespace fibertest {

// Waits (bounded) until pred holds, checking every millisecond.
template <class Pred>
bool WaitUntil(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace fibertest
