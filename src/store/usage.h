// What a task costs right now: CPU and memory of its whole process tree,
// sampled by the CLI from /proc (or from the task's cgroup, which counts
// exactly what ran in it). Nothing here runs in the wrapper: an idle
// wrapper keeps zero wake-ups and its memory.
//
// The tree of an active task is every descendant of its wrapper (the child
// subreaper of the task: daemons included); of a lost wrapper, the leftovers
// task_view found. A task whose wrapper runs on another host has no figures.
//
// CPU time counts each process's own time and that of the children it
// waited for (so a shell script's finished commands count). CPU% needs two
// samples: cpu_samples.h keeps the last one outside $SPMI_PATH, and the
// figure is the rate since then (when at least 1 s old); otherwise it is the
// average since the run started, as ps shows it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/cgroup.h"
#include "store/task_view.h"

namespace spmi {

struct ProcessUsage {
  pid_t pid = 0;
  std::string command;       // its command line (cut at 4 KiB)
  long long rss_bytes = 0;
  double cpu_seconds = 0;    // its own and its waited-for children's
};

struct TaskUsage {
  bool sampled = false;      // false: nothing of the task runs here (or it is another host's)
  int processes = 0;
  long long rss_bytes = 0;   // the sum of the processes' resident memory (shared pages count in each)
  long long pss_bytes = -1;  // proportional set size (detailed samples; -1: not read)
  double cpu_seconds = 0;    // CPU time of the tree so far
  // CPU use in percent of one core over the last cpu_window_seconds (-1: unknown).
  double cpu_percent = -1;
  double cpu_window_seconds = 0;
  // The processes with the most resident memory first (detailed samples only).
  std::vector<ProcessUsage> top;
  // The task's cgroup's own figures (detailed samples of a task that has
  // one): memory charged to it, CPU of everything that ran in it, its
  // limits, its OOM kills.
  bool has_cgroup = false;
  CgroupFigures cgroup;
};

// How much sample_usage reads and whether it moves the CPU% window.
struct UsageRequest {
  // PSS, the top processes and the cgroup's figures (status).
  bool detailed = false;
  size_t max_top = 5;  // bounds the top processes
  // Records this sample in the cache (cpu_samples.h), so the next look
  // measures from now: list and top do; status only reads it (a look at one
  // task writes nothing, and the window goes on from the last list or top).
  bool record = true;
};

// What sampling needs to know of one task, taken from its view. `spmi
// list` keeps these instead of whole views (a few hundred bytes a task
// rather than several kilobytes), so its memory stays small at 10,000 tasks.
struct UsageSubject {
  std::string id;
  pid_t wrapper = 0;                 // its wrapper here, whose descendants are the task's (0: none)
  std::vector<ProcStat> leftovers;   // a lost wrapper's processes still running here
  std::string run_key;               // which run a CPU sample is of (the sample cache's key)
  std::optional<TaskCgroup> cgroup;  // the task's cgroup, for detailed samples
};

// The subject of `v` (its cgroup only when `detailed`). The first copies
// a lost wrapper's leftovers; the second moves them out of `v`.
UsageSubject usage_subject(const TaskView& v, bool detailed);
UsageSubject usage_subject(TaskView&& v, bool detailed);

// Samples every subject (in parallel for many). CPU% comes from the sample
// cache (over at least a second since the last recorded sample), else it is
// the average since the oldest process started, as ps shows it.
std::vector<TaskUsage> sample_usage(const Store& store, const std::vector<UsageSubject>& subjects,
                                    const UsageRequest& request);
// The same for whole views (status, top).
std::vector<TaskUsage> sample_usage(const Store& store, const std::vector<TaskView>& views, const UsageRequest& request);

}  // namespace spmi
