#include "util/fiber_stack_pool.h"

#include <algorithm>

namespace detour::fiber::detail {

StackPool::StackPool(Limits limits) : limits_(limits) {}

StackPool::~StackPool() {
  for (Stack& s : spare_) FreeStack(s);
}

Stack StackPool::Take() {
  if (spare_.empty()) {
    Stack s = AllocateStack(limits_.stack_bytes);
    ++allocated_;
    return s;
  }
  Stack s = spare_.back();
  spare_.pop_back();
  low_water_ = std::min(low_water_, spare_.size());
  return s;
}

void StackPool::Give(Stack s) {
  if (spare_.size() >= limits_.max_spare) {
    FreeStack(s);
    --allocated_;
    return;
  }
  spare_.push_back(s);
}

TimePoint StackPool::NextTrim() const {
  return spare_.size() > limits_.keep_warm ? next_trim_ : TimePoint::max();
}

void StackPool::MaybeTrim(TimePoint now) {
  if (now < next_trim_) return;
  // Stacks that stayed spare through the whole period were not needed in it: free half
  // of them (the surplus over keep_warm), so a process that is merely between bursts
  // keeps most of what its bursts use.
  size_t unused = std::min(low_water_, spare_.size());
  size_t surplus = unused > limits_.keep_warm ? unused - limits_.keep_warm : 0;
  size_t drop = (surplus + 1) / 2;
  for (size_t i = 0; i < drop; ++i) FreeStack(spare_[i]);
  spare_.erase(spare_.begin(), spare_.begin() + static_cast<std::ptrdiff_t>(drop));
  allocated_ -= drop;
  low_water_ = spare_.size();
  next_trim_ = now + limits_.period;
}

}  // namespace detour::fiber::detail
