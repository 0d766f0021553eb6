// Running one piece of work for each of n items on a few threads. The CLI's
// batch commands (list, start) spend their time waiting on system calls and
// child processes, not computing; a handful of threads overlaps the waits.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace spmi {

// Calls fn(i) for every i in [0, n), on at most `threads` threads (the
// calling one included), each taking the next index as it finishes one.
// fn must be safe to call concurrently for different indexes.
template <class Fn>
void for_each_index(size_t n, size_t threads, Fn fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min(threads, n); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// How many threads a batch of `n` per-task reads of /proc and the state
// directory is worth: none below 64 items each (starting threads costs more
// than it saves), then twice the cores, at most 8. The threads spend their
// time in open/read/close and wait on the kernel's locks; on 2 cores 4
// threads list 1000 tasks in 20 ms, 2 threads in 24 ms (bench/compare.sh).
inline size_t batch_threads(size_t n) {
  constexpr size_t kPerThread = 64;
  // Below two threads' worth the cores are not asked: glibc reads
  // /sys/devices/system/cpu/online for that (three system calls, twice in
  // `spmi status`).
  if (n < 2 * kPerThread) return 1;
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min<size_t>({2 * cores, 8, n / kPerThread});
}

// How many threads a batch of `n` durable writes to the state directory is
// worth: their fsyncs wait on the disk (and the file system's inode
// allocation on the kernel), so a few at once overlap the waits. One per 16
// writes, at most 8: apply of 1000 tasks (bench/compare.py --only scale).
inline size_t write_threads(size_t n) { return std::min<size_t>(8, std::max<size_t>(1, n / 16)); }

}  // namespace spmi
