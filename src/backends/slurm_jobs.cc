// sbatch options from the spec, and squeue/scancel for the CLI.
#include "backends/slurm.h"

#include <cstdio>
#include <cstdlib>

#include "backends/multiplexer.h"

namespace spmi {

std::string sbatch_time(int64_t ms) {
  int64_t minutes = (ms + 59999) / 60000;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:00", static_cast<long long>(minutes / 1440),
                static_cast<long long>(minutes / 60 % 24), static_cast<long long>(minutes % 60));
  return buf;
}

std::vector<std::string> sbatch_options(const SlurmSettings& s) {
  std::vector<std::string> out;
  if (!s.partition.empty()) out.push_back("--partition=" + s.partition);
  if (s.time_ms > 0) out.push_back("--time=" + sbatch_time(s.time_ms));
  if (s.cpus > 0) out.push_back("--cpus-per-task=" + std::to_string(s.cpus));
  if (s.mem_bytes > 0) out.push_back("--mem=" + std::to_string((s.mem_bytes + (1 << 20) - 1) >> 20) + "M");
  if (s.nodes > 0) out.push_back("--nodes=" + std::to_string(s.nodes));
  if (!s.account.empty()) out.push_back("--account=" + s.account);
  if (!s.qos.empty()) out.push_back("--qos=" + s.qos);
  if (!s.constraint.empty()) out.push_back("--constraint=" + s.constraint);
  if (!s.nodelist.empty()) out.push_back("--nodelist=" + s.nodelist);
  if (!s.exclude.empty()) out.push_back("--exclude=" + s.exclude);
  out.push_back(s.requeue ? "--requeue" : "--no-requeue");
  out.insert(out.end(), s.extra_args.begin(), s.extra_args.end());
  return out;
}

bool reserved_sbatch_option(std::string_view arg, std::string* name) {
  // spmi sets where the output goes, the job's name, the script and its
  // directory; an array or --wait/--test-only would not give one job id;
  // requeueing is the `requeue` key.
  static constexpr struct {
    const char* long_name;
    char short_name;
  } kReserved[] = {{"output", 'o'}, {"error", 'e'},  {"job-name", 'J'}, {"parsable", 0},  {"wrap", 0},
                   {"chdir", 'D'},  {"array", 'a'},  {"wait", 'W'},     {"test-only", 0}, {"input", 'i'},
                   {"requeue", 0},  {"no-requeue", 0}};
  if (arg.size() > 2 && arg.substr(0, 2) == "--") {
    std::string_view n = arg.substr(2);
    n = n.substr(0, n.find('='));
    // getopt_long takes unambiguous abbreviations ("--out"), so a prefix counts.
    for (const auto& r : kReserved) {
      std::string_view full = r.long_name;
      if (n.size() >= 3 && full.substr(0, n.size()) == n) {
        *name = std::string("--") + r.long_name;
        return true;
      }
    }
    return false;
  }
  if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
    for (const auto& r : kReserved)
      if (r.short_name && arg[1] == r.short_name) {
        *name = std::string("-") + r.short_name + " (--" + r.long_name + ")";
        return true;
      }
  }
  return false;
}

std::string SlurmJob::describe() const {
  if (!known) return "no longer known to Slurm";
  std::string s = state;
  if (state == "RUNNING" || state == "COMPLETING") {
    if (!node.empty()) s += " on " + node;
  } else if (state == "PENDING" || state == "CANCELLED" || state == "NODE_FAIL" || state == "BOOT_FAIL") {
    if (!reason.empty() && reason != "None") s += " (" + reason + ")";
  } else if (exit_signal) {
    s += " (signal " + std::to_string(exit_signal) + ")";
  } else if (exit_code >= 0) {
    s += " (exit " + std::to_string(exit_code) + ")";
  }
  return s;
}

bool SlurmJob::active() const {
  if (!known) return false;
  static const char* const kEnded[] = {"COMPLETED", "FAILED",     "CANCELLED", "TIMEOUT",   "NODE_FAIL",
                                       "PREEMPTED", "BOOT_FAIL",  "DEADLINE",  "OUT_OF_MEMORY", "SPECIAL_EXIT",
                                       "REVOKED"};
  for (const char* e : kEnded)
    if (state == e) return false;
  return true;
}

SlurmJob parse_squeue_line(const std::string& line, std::string* job_id) {
  // "12|PENDING|PartitionDown|n/a|0|": a reason may hold spaces and commas
  // ("ReqNodeNotAvail, UnavailableNodes:node2"), never '|'.
  std::vector<std::string> f;
  size_t from = 0;
  for (size_t bar; (bar = line.find('|', from)) != std::string::npos; from = bar + 1)
    f.push_back(line.substr(from, bar - from));
  SlurmJob j;
  job_id->clear();
  if (f.size() < 5 || f[0].empty() || f[0].find_first_not_of("0123456789") != std::string::npos) return j;
  *job_id = f[0];
  j.known = true;
  j.state = f[1];
  j.reason = f[2];
  j.node = f[3] == "n/a" || f[3] == "(null)" ? "" : f[3];
  if (!f[4].empty() && f[4].find_first_not_of("0123456789") == std::string::npos) {
    int status = std::atoi(f[4].c_str());
    j.exit_code = (status >> 8) & 0xff;
    j.exit_signal = status & 0x7f;
  }
  return j;
}

bool query_slurm_jobs(const std::vector<std::string>& job_ids, std::map<std::string, SlurmJob>* out,
                      std::string* err) {
  out->clear();
  if (job_ids.empty()) return true;
  std::string list;
  for (const auto& id : job_ids) list += (list.empty() ? "" : ",") + id;
  // An unreachable controller makes squeue retry for about 18 s; list and
  // status should say "unknown" sooner than that.
  ToolResult t = run_tool("squeue", {"--noheader", "--states=all", "--jobs=" + list, "--Format=" + std::string(kSqueueFormat)},
                          {}, {}, 5000);
  if (t.ran && !t.timed_out && t.exit_code == 0) {
    size_t from = 0;
    for (size_t nl; from < t.out.size(); from = nl + 1) {
      nl = t.out.find('\n', from);
      if (nl == std::string::npos) nl = t.out.size();
      std::string id;
      SlurmJob j = parse_squeue_line(t.out.substr(from, nl - from), &id);
      if (!id.empty()) (*out)[id] = j;
    }
    return true;
  }
  // One id that Slurm no longer knows is an error to squeue (several are not).
  if (t.ran && !t.timed_out && t.err.find("Invalid job id") != std::string::npos) return true;
  *err = t.describe("squeue");
  return false;
}

bool query_slurm_job(const std::string& job_id, SlurmJob* out, std::string* err) {
  std::map<std::string, SlurmJob> jobs;
  if (!query_slurm_jobs({job_id}, &jobs, err)) return false;
  auto it = jobs.find(job_id);
  *out = it == jobs.end() ? SlurmJob{} : it->second;
  return true;
}

bool run_scancel(const std::string& job_id, const std::vector<std::string>& args, std::string* err) {
  std::vector<std::string> all = args;
  all.push_back(job_id);
  ToolResult t = run_tool("scancel", all, {}, {}, 15000);
  if (t.ran && !t.timed_out && t.exit_code == 0) return true;
  *err = t.describe("scancel");
  return false;
}

}  // namespace spmi
