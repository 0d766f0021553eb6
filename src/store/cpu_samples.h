// The last CPU sample of each task, kept between CLI calls so that the CPU%
// of `list` and `status` is a rate ("since the last look"), not an average
// over the task's life.
//
// A cache, never the task's data: it lives outside $SPMI_PATH (list and
// status write nothing there), in $XDG_RUNTIME_DIR/spmi, or /tmp/spmi-<uid>
// without one (created 0700 and checked to be the caller's, as tmux does
// with its socket directory). One file per state directory,
// cpu-<dev>-<inode of $SPMI_PATH>. When it cannot be read or written the
// figures fall back to the average since the run started; nothing fails.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spmi {

inline constexpr int64_t kMinCpuWindowMs = 1000;  // a shorter window is mostly clock-tick noise

struct CpuSample {
  std::string run;      // which run the sample is of: run id and restart count
  int64_t at_ms = 0;    // CLOCK_BOOTTIME, shared by every process on the host
  int64_t cpu_us = 0;   // the tree's CPU time then
};

class CpuSamples {
 public:
  // Loads the cache of the state directory `store_root` (empty when none):
  // all of it, or only the samples of the tasks in `only`, for a look
  // that records nothing (`status` of a few tasks among thousands); such a
  // partial cache is never saved.
  explicit CpuSamples(const std::string& store_root, const std::vector<std::string>* only = nullptr);
  // The newest sample of `id` for run `run` that is at least
  // kMinCpuWindowMs old at `now_ms`, or null.
  const CpuSample* usable(const std::string& id, const std::string& run, int64_t now_ms) const;
  // Records a new sample of `id`. Two are kept per task: the newest, and
  // the one before it, which it replaces only once the newest is
  // kMinCpuWindowMs old; so a call right after another (`status` after
  // `list`, `watch -n 0.5 spmi list`) still has a window of 1 to 2 s.
  void record(const std::string& id, const CpuSample& s);
  // Writes the cache back (atomically; quietly does nothing on failure).
  void save() const;

  // The cache file for `store_root` ("" when no private directory can be had).
  static std::string path_for(const std::string& store_root);

 private:
  std::string path_;
  struct Pair {
    CpuSample newest, before;  // before.at_ms == 0: none
  };
  std::map<std::string, Pair> samples_;
  bool partial_ = false;
  bool changed_ = false;
};

// Milliseconds of CLOCK_BOOTTIME.
int64_t boottime_ms();

}  // namespace spmi
