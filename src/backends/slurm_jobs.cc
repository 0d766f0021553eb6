// sbatch options from the spec, and scontrol/scancel for the CLI.
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
  out.insert(out.end(), s.extra_args.begin(), s.extra_args.end());
  return out;
}

bool reserved_sbatch_option(std::string_view arg, std::string* name) {
  // spmi sets where the output goes, the job's name, the script and its
  // directory; an array or --wait/--test-only would not give one job id.
  static constexpr struct {
    const char* long_name;
    char short_name;
  } kReserved[] = {{"output", 'o'}, {"error", 'e'},  {"job-name", 'J'}, {"parsable", 0},  {"wrap", 0},
                   {"chdir", 'D'},  {"array", 'a'},  {"wait", 'W'},     {"test-only", 0}, {"input", 'i'}};
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

SlurmJob parse_scontrol_job(const std::string& line) {
  // "JobId=5 JobName=x UserId=root(0) ... JobState=PENDING Reason=PartitionDown ..."
  // Values can hold spaces (Command=, Comment=); only the keys below are read
  // and none of them does, so each is the text up to the next space.
  SlurmJob j;
  auto value = [&](const char* key) -> std::string {
    std::string k = std::string(" ") + key + "=";
    std::string padded = " " + line;
    size_t at = padded.find(k);
    if (at == std::string::npos) return "";
    size_t from = at + k.size();
    size_t end = padded.find_first_of(" \n", from);
    return padded.substr(from, end == std::string::npos ? std::string::npos : end - from);
  };
  j.known = !value("JobId").empty();
  j.state = value("JobState");
  j.reason = value("Reason");
  j.node = value("BatchHost");
  if (j.node == "(null)") j.node.clear();
  std::string code = value("ExitCode");
  size_t colon = code.find(':');
  if (j.known && colon != std::string::npos) {
    j.exit_code = std::atoi(code.substr(0, colon).c_str());
    j.exit_signal = std::atoi(code.c_str() + colon + 1);
  }
  return j;
}

bool query_slurm_job(const std::string& job_id, SlurmJob* out, std::string* err) {
  // An unreachable controller makes scontrol retry for about 18 s; list and
  // status should say "unknown" sooner than that.
  ToolResult t = run_tool("scontrol", {"show", "job", "-o", job_id}, {}, {}, 5000);
  if (t.ran && !t.timed_out && t.exit_code == 0) {
    *out = parse_scontrol_job(t.out);
    if (!out->known) {
      *err = "scontrol printed no job: " + t.out;
      return false;
    }
    return true;
  }
  if (t.ran && !t.timed_out && t.err.find("Invalid job id") != std::string::npos) {
    *out = SlurmJob{};
    return true;
  }
  *err = t.describe("scontrol");
  return false;
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
