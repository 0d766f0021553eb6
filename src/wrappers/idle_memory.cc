// See idle_memory.h.
#include "wrappers/idle_memory.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace spmi {

namespace {

// Below the caller's frame: the return address and frame of madvise() itself
// live in the first page under it, and the x86-64 red zone is 128 bytes.
constexpr uintptr_t kKeepBelow = 2 * 4096;
// How far down to drop. The kernel keeps a guard gap (1 MiB by default) below
// a stack, so nothing else is mapped in this range; the part of it below the
// stack's lowest page is not mapped and madvise skips it (ENOMEM, ignored).
constexpr uintptr_t kDropSpan = 256 * 1024;

}  // namespace

__attribute__((noinline)) void release_idle_memory() {
  ::malloc_trim(0);
#if defined(__SANITIZE_ADDRESS__)
  // ASan may keep frames on its own "fake stacks"; leave the stack alone.
  return;
#endif
  // The frame address, not a local's: a local can live outside the stack.
  uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  uintptr_t sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) & ~(page - 1);
  if (sp < kKeepBelow + kDropSpan) return;
  uintptr_t top = sp - kKeepBelow;
  ::madvise(reinterpret_cast<void*>(top - kDropSpan), kDropSpan, MADV_DONTNEED);
}

}  // namespace spmi
