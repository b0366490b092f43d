// Spare fiber stacks, kept warm between fibers and given back to the system slowly
// (internal to util/fiber*.cc; one pool per scheduler thread, so no lock).
//
// Why: a fresh stack costs an mmap, a guard-page mprotect and a page fault for every page
// the fiber touches, and freeing it an munmap whose TLB shootdown interrupts every core
// the process runs on. With a stream per connection that was a tenth of the gateway's CPU
// while a thousand streams opened and closed (issue #20). So a finished fiber's stack
// goes back to the pool, whatever the pool's size (up to a cap), and the pool decays
// instead: at each period, half of the stacks that sat unused through the whole period
// (above `keep_warm`) are freed, coldest first. A burst's stacks are reused by the next
// burst, and an idle process returns to its keep-warm size in a few periods.
#pragma once

#include <cstddef>
#include <vector>

#include "util/fiber.h"
#include "util/fiber_context.h"

namespace detour::fiber::detail {

class StackPool {
 public:
  struct Limits {
    size_t stack_bytes = 512 * 1024;  // usable bytes per stack (virtual; touched pages cost memory)
    size_t keep_warm = 64;            // never trimmed below this many
    size_t max_spare = 4096;          // beyond this a returned stack is freed at once
    Clock::duration period = std::chrono::seconds(1);
  };
  explicit StackPool(Limits limits);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // The warmest spare stack, or a new one.
  Stack Take();
  void Give(Stack s);
  // Trims when a period has passed since the last trim (cheap to call every loop).
  void MaybeTrim(TimePoint now);
  // When MaybeTrim next has something to do: TimePoint::max() while nothing is above
  // keep_warm (an idle process needs no wake-up for it).
  TimePoint NextTrim() const;

  size_t spare() const { return spare_.size(); }
  size_t allocated() const { return allocated_; }  // stacks mapped now, in use or spare

 private:
  Limits limits_;
  std::vector<Stack> spare_;  // coldest first; Take and Give work at the back
  size_t low_water_ = 0;      // fewest spares seen since the last trim
  size_t allocated_ = 0;
  TimePoint next_trim_{};
};

}  // namespace detour::fiber::detail
