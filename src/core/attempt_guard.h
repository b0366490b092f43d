// Releases what an admitted attempt holds in the state store (its in-flight count, a
// half-open probe turn) on every path: Finish() records the outcome; a guard destroyed
// without it (an exception, an early return) abandons the attempt instead, so no
// deployment is left counted busy or stuck half-open forever.
#pragma once

#include "core/state_store.h"

namespace detour {

class AttemptGuard {
 public:
  AttemptGuard(StateStore& store, StateSlot& slot, AdmitResult how) : store_(store), slot_(slot), how_(how) {}
  ~AttemptGuard() {
    if (!finished_) store_.Abandon(slot_, how_);
  }
  AttemptGuard(const AttemptGuard&) = delete;
  AttemptGuard& operator=(const AttemptGuard&) = delete;

  // Returns true when this failure opened (or reopened) the deployment's circuit.
  bool Finish(const Limits& l, const CooldownPolicy& p, const AttemptFacts& f, TimePoint now) {
    finished_ = true;
    return store_.Finish(slot_, l, p, f, now);
  }

 private:
  StateStore& store_;
  StateSlot& slot_;
  AdmitResult how_;
  bool finished_ = false;
};

}  // namespace detour
