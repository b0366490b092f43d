// Work a fiber puts off until it is about to block. A writer that coalesces what one
// fiber writes between two waits into one system call (net/http_server.cc's stream
// writer: the events of one upstream read become one send) arms a hook here; the hook
// runs on that fiber at the start of its next wait (IoHandle::Wait about to park,
// SleepUntil, Yield, a CondVar wait) or when the fiber ends, before anything else runs on
// its thread. The hook may itself wait. Internal to the hot path: most code never needs it.
#pragma once

namespace detour::fiber {

class BeforeBlock {
 public:
  // Runs once per arming; the hook is disarmed before it is called.
  virtual void BeforeBlocking() = 0;

 protected:
  ~BeforeBlock() = default;
};

// Arms `hook` for the calling fiber. False outside a fiber (nothing armed: the caller
// does its work now). A fiber has one slot: arming another hook runs the armed one first.
bool DeferUntilBlocking(BeforeBlock* hook);
// Disarms `hook` if the calling fiber has it armed (its owner is going away).
void CancelDeferred(BeforeBlock* hook);

}  // namespace detour::fiber
