// Sampling a task's CPU and memory from /proc, and CPU% from the sample cache.
#include "store/usage.h"

#include <algorithm>
#include <unordered_map>

#include "common/process_tree.h"
#include "common/task_tree.h"
#include "store/cpu_samples.h"
#include "store/parallel.h"

namespace spmi {

namespace {

// The wrapper whose descendants are the task's processes: that of an
// active task here (it holds the task's lock, so the recorded pid is its
// own). 0 for anything else.
pid_t local_wrapper(const TaskView& v) {
  if (!v.has_state || v.remote || v.condition != TaskCondition::Active || !phase_is_live(v.state.phase) ||
      !same_boot(v.state))
    return 0;
  return v.state.wrapper_pid > 0 ? v.state.wrapper_pid : 0;
}


// live_descendants_of_wrapper (common/process_tree.h) for many wrappers at
// once: result i is the tree of wrappers[i]. Walking costs about three
// /proc reads per task; when that is more than one read per process on the
// machine, one pass over /proc reads the stat of every process but the
// wrappers instead and follows each one's parents up to its wrapper
// (`spmi list` of 1000 tasks: 1000 reads instead of 3000). `threads`
// share the reads.
std::vector<std::vector<ProcStat>> descendants_of_wrappers(const std::vector<pid_t>& wrappers, size_t threads) {
  std::vector<std::vector<ProcStat>> out(wrappers.size());
  // A few tasks are walked without listing /proc at all (status of one
  // task: the listing alone cost more than its walk).
  constexpr size_t kWalkReadsPerTask = 3, kAlwaysWalk = 8;
  std::vector<pid_t> pids;
  if (wrappers.size() > kAlwaysWalk) pids = list_pids();
  if (pids.empty() || wrappers.size() * kWalkReadsPerTask < pids.size()) {
    for_each_index(wrappers.size(), threads, [&](size_t i) { out[i] = live_descendants_of_wrapper(wrappers[i]); });
    return out;
  }
  std::unordered_map<pid_t, size_t> wrapper_index;
  for (size_t i = 0; i < wrappers.size(); ++i) wrapper_index.emplace(wrappers[i], i);
  std::vector<ProcStat> stats(pids.size());
  std::vector<char> read_ok(pids.size(), 0);
  for_each_index(pids.size(), threads, [&](size_t i) {
    if (!wrapper_index.count(pids[i])) read_ok[i] = read_proc_stat(pids[i], &stats[i]);
  });
  std::unordered_map<pid_t, size_t> by_pid;
  for (size_t i = 0; i < pids.size(); ++i)
    if (read_ok[i]) by_pid.emplace(pids[i], i);
  // Which wrapper each process hangs below (-2: not known yet, -1: none),
  // following parents; memoized so the pass stays linear.
  std::vector<long> owner(pids.size(), -2);
  std::vector<size_t> chain;
  for (size_t i = 0; i < pids.size(); ++i) {
    if (!read_ok[i]) continue;
    chain.clear();
    long found = -1;
    size_t at = i;
    for (;;) {
      if (owner[at] != -2) {
        found = owner[at];
        break;
      }
      chain.push_back(at);
      pid_t parent = stats[at].ppid;
      if (auto w = wrapper_index.find(parent); w != wrapper_index.end()) {
        found = static_cast<long>(w->second);
        break;
      }
      auto p = by_pid.find(parent);
      if (p == by_pid.end() || chain.size() > pids.size()) break;  // reached the top, or a loop of reused pids
      at = p->second;
    }
    for (size_t c : chain) owner[c] = found;
  }
  for (size_t i = 0; i < pids.size(); ++i)
    if (read_ok[i] && owner[i] >= 0 && stats[i].state != 'Z' && stats[i].state != 'X') out[static_cast<size_t>(owner[i])].push_back(stats[i]);
  return out;
}


int64_t ticks_to_us(unsigned long long ticks) {
  return static_cast<int64_t>(ticks * 1000000ULL / static_cast<unsigned long long>(clock_ticks_per_second()));
}

// The figures of one task from its processes `procs`; CPU% is filled in
// afterwards.
TaskUsage sample_one(const UsageSubject& t, const std::vector<ProcStat>& procs, bool detailed, size_t max_top,
                     int64_t* cpu_us, int64_t* oldest_start_ms) {
  TaskUsage u;
  // An active task here is sampled even between runs (no processes: 0);
  // anything else only while processes of it are left.
  if (!t.wrapper && procs.empty()) return u;
  u.sampled = true;
  u.processes = static_cast<int>(procs.size());
  unsigned long long ticks = 0, oldest = 0;
  for (const ProcStat& p : procs) {
    u.rss_bytes += p.rss_pages * page_size();
    ticks += p.cpu_ticks;
    if (oldest == 0 || p.start_ticks < oldest) oldest = p.start_ticks;
  }
  *cpu_us = ticks_to_us(ticks);
  *oldest_start_ms = static_cast<int64_t>(oldest * 1000ULL / static_cast<unsigned long long>(clock_ticks_per_second()));
  u.cpu_seconds = static_cast<double>(*cpu_us) / 1e6;
  if (detailed) {
    long long pss = 0;
    bool pss_known = !procs.empty();
    std::vector<ProcStat> by_rss = procs;
    for (const ProcStat& p : procs) {
      long long one = proc_pss_bytes(p.pid);
      if (one < 0) pss_known = false;
      else pss += one;
    }
    if (pss_known) u.pss_bytes = pss;
    std::stable_sort(by_rss.begin(), by_rss.end(),
                     [](const ProcStat& a, const ProcStat& b) { return a.rss_pages > b.rss_pages; });
    if (by_rss.size() > max_top) by_rss.resize(max_top);
    for (const ProcStat& p : by_rss)
      u.top.push_back({p.pid, proc_command_line(p.pid), p.rss_pages * page_size(),
                       static_cast<double>(ticks_to_us(p.cpu_ticks)) / 1e6});
    if (t.cgroup) {
      u.has_cgroup = true;
      u.cgroup = read_cgroup(*t.cgroup);
    }
  }
  return u;
}

// Which run a CPU sample is of: the same wrapper run and the same start of
// its command (a watchdog's restart starts the count again).
std::string run_key(const TaskView& v) {
  std::string key = v.state.run_id.empty() ? "-" : v.state.run_id;
  key += ":" + std::to_string(v.state.restarts) + ":" + std::to_string(v.state.pid);
  if (is_lost(v.condition)) key += ":lost";
  return key;
}

// The subject's fields but the leftovers.
UsageSubject subject_without_leftovers(const TaskView& v, bool detailed) {
  UsageSubject t;
  t.id = v.id;
  t.wrapper = local_wrapper(v);
  t.run_key = run_key(v);
  if (detailed && !v.state.cgroups.empty() && !is_lost(v.condition))
    t.cgroup = TaskCgroup{v.state.cgroup_mode, v.state.cgroups};
  return t;
}

// A lost wrapper's processes here are the task's (none of another host).
bool leftovers_count(const TaskView& v) { return !local_wrapper(v) && is_lost(v.condition) && !v.remote; }

}  // namespace

UsageSubject usage_subject(const TaskView& v, bool detailed) {
  UsageSubject t = subject_without_leftovers(v, detailed);
  if (leftovers_count(v)) t.leftovers = v.leftovers;
  return t;
}

UsageSubject usage_subject(TaskView&& v, bool detailed) {
  UsageSubject t = subject_without_leftovers(v, detailed);
  if (leftovers_count(v)) t.leftovers = std::move(v.leftovers);
  return t;
}

std::vector<TaskUsage> sample_usage(const Store& store, const std::vector<TaskView>& views, const UsageRequest& request) {
  std::vector<UsageSubject> subjects;
  subjects.reserve(views.size());
  for (const TaskView& v : views) subjects.push_back(usage_subject(v, request.detailed));
  return sample_usage(store, subjects, request);
}

std::vector<TaskUsage> sample_usage(const Store& store, const std::vector<UsageSubject>& subjects,
                                    const UsageRequest& request) {
  std::vector<TaskUsage> out(subjects.size());
  std::vector<int64_t> cpu_us(subjects.size(), 0), oldest_ms(subjects.size(), 0);
  size_t threads = batch_threads(subjects.size());
  std::vector<pid_t> wrappers;
  std::vector<size_t> wrapper_of;  // index into `wrappers`, per subject (npos: none)
  for (const UsageSubject& t : subjects) {
    wrapper_of.push_back(t.wrapper ? wrappers.size() : std::string::npos);
    if (t.wrapper) wrappers.push_back(t.wrapper);
  }
  std::vector<std::vector<ProcStat>> trees = descendants_of_wrappers(wrappers, threads);
  for_each_index(subjects.size(), threads, [&](size_t i) {
    const std::vector<ProcStat>& procs = wrapper_of[i] != std::string::npos ? trees[wrapper_of[i]] : subjects[i].leftovers;
    out[i] = sample_one(subjects[i], procs, request.detailed, request.max_top, &cpu_us[i], &oldest_ms[i]);
  });
  bool any = std::any_of(out.begin(), out.end(), [](const TaskUsage& u) { return u.sampled; });
  if (!any) return out;
  const int64_t now = boottime_ms();
  // A look that records nothing needs only its own tasks' samples.
  std::vector<std::string> ids;
  if (!request.record)
    for (size_t i = 0; i < subjects.size(); ++i)
      if (out[i].sampled) ids.push_back(subjects[i].id);
  CpuSamples cache(store.root(), request.record ? nullptr : &ids);
  for (size_t i = 0; i < subjects.size(); ++i) {
    TaskUsage& u = out[i];
    if (!u.sampled) continue;
    const std::string& key = subjects[i].run_key;
    if (const CpuSample* last = cache.usable(subjects[i].id, key, now)) {
      u.cpu_window_seconds = static_cast<double>(now - last->at_ms) / 1e3;
      // Processes that ended since take their time with them: never below 0.
      u.cpu_percent = std::max<double>(0, static_cast<double>(cpu_us[i] - last->cpu_us) / 1e3 /
                                              static_cast<double>(now - last->at_ms) * 100);
    } else if (u.processes > 0 && now > oldest_ms[i]) {
      // No usable earlier sample: the average since the oldest process
      // started, as ps shows it.
      u.cpu_window_seconds = static_cast<double>(now - oldest_ms[i]) / 1e3;
      u.cpu_percent = static_cast<double>(cpu_us[i]) / 1e3 / static_cast<double>(now - oldest_ms[i]) * 100;
    }
    if (request.record) cache.record(subjects[i].id, {key, now, cpu_us[i]});
  }
  if (request.record) cache.save();
  return out;
}

}  // namespace spmi
