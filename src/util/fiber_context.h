// The machine-level half of fibers: a stack and a context switch.
//
// On x86-64 the switch is a few instructions (callee-saved registers, MXCSR and the x87
// control word) instead of swapcontext(), which makes a sigprocmask system call on every
// switch; other architectures use ucontext. Internal to util/fiber*.cc.
#pragma once

#include <cstddef>

namespace detour::fiber::detail {

// A fiber stack: mmap'ed with a guard page below it, so an overflow faults instead of
// corrupting a neighbour. Pages are committed only when touched.
struct Stack {
  void* base = nullptr;  // lowest address of the mapping (the guard page)
  size_t size = 0;       // whole mapping
  void* top() const { return static_cast<char*>(base) + size; }
};
Stack AllocateStack(size_t usable_bytes);
void FreeStack(Stack s);

using EntryFn = void (*)(void* arg);

// A saved execution context; must not move once made. `MakeContext` prepares one that starts `entry(arg)` on `stack` the
// first time it is switched to; `entry` must never return.
struct Context {
  void* sp = nullptr;   // x86-64: saved stack pointer
  void* impl = nullptr; // other architectures: ucontext_t
  EntryFn entry = nullptr;
  void* arg = nullptr;
};
void MakeContext(Context* ctx, const Stack& stack, EntryFn entry, void* arg);
// Saves the current context into `from` and resumes `to`.
void SwitchContext(Context* from, Context* to);
void DestroyContext(Context* ctx);

}  // namespace detour::fiber::detail
