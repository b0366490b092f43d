// The machine-level half of fibers: a stack and a context switch.
//
// On x86-64 the switch is a few instructions (callee-saved registers, MXCSR and the x87
// control word) instead of swapcontext(), which makes a sigprocmask system call on every
// switch; other architectures use ucontext. Internal to util/fiber*.cc.
//
// Under AddressSanitizer every switch is announced (__sanitizer_start_switch_fiber /
// __sanitizer_finish_switch_fiber): ASan otherwise takes the fiber stack for a wild part
// of the thread's stack and reports false stack-buffer errors. The annotations compile
// to nothing in a normal build.
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
  // The stack this context runs on, for the ASan annotations: set by MakeContext for a
  // fiber; learned on its first switch away for a thread's own context.
  const void* stack_bottom = nullptr;
  size_t stack_size = 0;
};
void MakeContext(Context* ctx, const Stack& stack, EntryFn entry, void* arg);
// Saves the current context into `from` and resumes `to`.
void SwitchContext(Context* from, Context* to);
// The last switch away from `from`, whose code has finished: it is never resumed (under
// ASan this also releases what the sanitizer kept for that stack). Does not return.
[[noreturn]] void ExitContext(Context* from, Context* to);
void DestroyContext(Context* ctx);

}  // namespace detour::fiber::detail
