#include "util/fiber_context.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DETOUR_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(DETOUR_FIBER_ASAN)
#define DETOUR_FIBER_ASAN 1
#endif
#if DETOUR_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace detour::fiber::detail {
namespace {

#if DETOUR_FIBER_ASAN
// The context being switched away from, so the side that resumes can record the bounds
// of that context's stack (a thread's own context learns them this way).
thread_local Context* t_switch_from = nullptr;

// fake_stack == nullptr: `from` is finished and its fake stack can go.
void StartSwitch(Context* from, Context* to, void** fake_stack) {
  t_switch_from = from;
  __sanitizer_start_switch_fiber(fake_stack, to->stack_bottom, to->stack_size);
}

// Runs first thing on the resumed side, on the new stack.
void FinishSwitch(void* fake_stack) {
  const void* bottom = nullptr;
  size_t size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
  Context* prev = t_switch_from;
  if (prev && !prev->stack_bottom) {
    prev->stack_bottom = bottom;
    prev->stack_size = size;
  }
}

// A stack reused from a finished fiber still has the shadow of the frames that fiber
// never returned from; unpoisoned here so they cannot be mistaken for redzones later.
void ForgetFrames(void* base, size_t size) { __asan_unpoison_memory_region(base, size); }
#else
inline void StartSwitch(Context*, Context*, void**) {}
inline void FinishSwitch(void*) {}
inline void ForgetFrames(void*, size_t) {}
#endif

// The first code a new context runs: completes the switch that started it, then the entry.
[[noreturn]] void ContextStart(void* arg) {
  FinishSwitch(nullptr);
  auto* ctx = static_cast<Context*>(arg);
  ctx->entry(ctx->arg);
  std::abort();  // entry must never return
}

}  // namespace

Stack AllocateStack(size_t usable_bytes) {
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t usable = (usable_bytes + page - 1) / page * page;
  Stack s;
  s.size = usable + page;
  s.base = ::mmap(nullptr, s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                  -1, 0);
  if (s.base == MAP_FAILED) throw std::bad_alloc();
  ::mprotect(s.base, page, PROT_NONE);  // guard page: overflow faults
  return s;
}

void FreeStack(Stack s) {
  if (!s.base) return;
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ForgetFrames(static_cast<char*>(s.base) + page, s.size - page);
  ::munmap(s.base, s.size);
}

// Usable part of a stack (above the guard page), as ASan's annotations want it.
static void SetStackBounds(Context* ctx, const Stack& stack) {
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  ctx->stack_bottom = static_cast<char*>(stack.base) + page;
  ctx->stack_size = stack.size - page;
  ForgetFrames(static_cast<char*>(stack.base) + page, stack.size - page);
}

#if defined(__x86_64__)

extern "C" void detour_fiber_switch(void** save_sp, void* load_sp);
extern "C" void detour_fiber_trampoline();

// Saved frame, lowest address first: MXCSR + x87 control word, r15..r12, rbx, rbp, return
// address. The trampoline finds the entry function in r13 and its argument in r12.
asm(R"(
  .text
  .globl detour_fiber_switch
  .type detour_fiber_switch,@function
detour_fiber_switch:
  .cfi_startproc
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .cfi_endproc
  .size detour_fiber_switch,.-detour_fiber_switch

  .globl detour_fiber_trampoline
  .type detour_fiber_trampoline,@function
detour_fiber_trampoline:
  .cfi_startproc
  .cfi_undefined rip
  movq %r12, %rdi
  callq *%r13
  ud2
  .cfi_endproc
  .size detour_fiber_trampoline,.-detour_fiber_trampoline
)");

static void RawSwitch(Context* from, Context* to) { detour_fiber_switch(&from->sp, to->sp); }

void MakeContext(Context* ctx, const Stack& stack, EntryFn entry, void* arg) {
  ctx->entry = entry;
  ctx->arg = arg;
  SetStackBounds(ctx, stack);
  auto top = reinterpret_cast<uintptr_t>(stack.top()) & ~uintptr_t{15};
  // After `ret` into the trampoline the stack pointer is top - 16: 16-byte aligned, as
  // the ABI wants before the trampoline's call.
  auto* frame = reinterpret_cast<uint64_t*>(top - 16 - 8 * 8);
  uint32_t csr[2] = {0x1F80, 0x037F};  // default MXCSR, default x87 control word
  std::memcpy(&frame[0], csr, sizeof csr);
  frame[1] = 0;                                        // r15
  frame[2] = 0;                                        // r14
  frame[3] = reinterpret_cast<uint64_t>(&ContextStart);  // r13
  frame[4] = reinterpret_cast<uint64_t>(ctx);            // r12
  frame[5] = 0;                                        // rbx
  frame[6] = 0;                                        // rbp
  frame[7] = reinterpret_cast<uint64_t>(&detour_fiber_trampoline);  // return address
  ctx->sp = frame;
}

void DestroyContext(Context*) {}

#else  // portable fallback

namespace {
// makecontext passes int arguments only: the Context pointer travels as two halves.
void UcontextEntry(unsigned hi, unsigned lo) {
  ContextStart(reinterpret_cast<Context*>((static_cast<uintptr_t>(hi) << 32) | lo));
}
}  // namespace

void MakeContext(Context* ctx, const Stack& stack, EntryFn entry, void* arg) {
  long page = ::sysconf(_SC_PAGESIZE);
  auto* uc = new ucontext_t();
  ::getcontext(uc);
  uc->uc_stack.ss_sp = static_cast<char*>(stack.base) + page;
  uc->uc_stack.ss_size = stack.size - page;
  uc->uc_link = nullptr;
  ctx->entry = entry;
  ctx->arg = arg;
  SetStackBounds(ctx, stack);
  auto bits = reinterpret_cast<uintptr_t>(ctx);
  ::makecontext(uc, reinterpret_cast<void (*)()>(UcontextEntry), 2,
                static_cast<unsigned>(bits >> 32), static_cast<unsigned>(bits));
  ctx->impl = uc;
}

static void RawSwitch(Context* from, Context* to) {
  if (!from->impl) from->impl = new ucontext_t();
  ::swapcontext(static_cast<ucontext_t*>(from->impl), static_cast<ucontext_t*>(to->impl));
}

void DestroyContext(Context* ctx) { delete static_cast<ucontext_t*>(ctx->impl); }

#endif

void SwitchContext(Context* from, Context* to) {
  void* fake_stack = nullptr;
  StartSwitch(from, to, &fake_stack);
  RawSwitch(from, to);
  FinishSwitch(fake_stack);  // back in `from`, switched to by someone else
}

void ExitContext(Context* from, Context* to) {
  StartSwitch(from, to, nullptr);
  RawSwitch(from, to);
  std::abort();  // never resumed
}

}  // namespace detour::fiber::detail
