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

}  // namespace spmi
