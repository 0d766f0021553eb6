// The slurm backend: the task's wrapper runs as a Slurm batch job.
//
// start writes <task dir>/slurm.sh (a POSIX sh script that checks the task
// directory is visible on the compute node, then execs the wrapper with
// --slurm), submits it with `sbatch --parsable`, and records the job id in a
// `queued` state; it returns once Slurm accepted the job. The wrapper, once
// the job runs, first waits for the submitting spmi's cli.lock (so the queued
// state is always written before the wrapper's own), then runs the task as
// on any backend and replaces the state. Nothing is written when sbatch
// refuses the job. relay = `srun --jobid J --overlap` running spmi on the
// job's node (connect, logs --clear, reload of a wrapper on another node).
// The rest of the backend: slurm_backend.h.
#include <unistd.h>

#include <cstdlib>

#include "backends/multiplexer.h"
#include "backends/registry.h"
#include "backends/slurm_backend.h"
#include "backends/slurm.h"
#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/proc.h"
#include "common/task_state.h"

namespace spmi {

namespace {

const char* kInstallHint =
    "the slurm backend needs Slurm's client tools (sbatch, squeue, scancel, srun) in PATH; install them with "
    "'apt-get install slurm-client'";

// 'text' for sh, with embedded single quotes as '\''.
std::string sh_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string batch_script(const TaskSpec& spec, const std::string& task_dir, const std::string& wrapper) {
  std::string dir = sh_quote(task_dir);
  return "#!/bin/sh\n"
         "# Written by 'spmi start' for task " + spec.id + ": the Slurm batch script that runs its wrapper.\n"
         "if [ ! -f " + sh_quote(task_dir + "/spec") + " ]; then\n"
         "  echo \"spmi: \"" + dir + "\" is not visible on $(hostname): \\$SPMI_PATH must be on a file system "
         "shared with the compute nodes\" >&2\n"
         "  exit 97\n"
         "fi\n"
         "exec " + sh_quote(wrapper) + " --slurm " + dir + "\n";
}

// The job id in sbatch --parsable's output ("123" or "123;cluster").
std::string parse_job_id(const std::string& out) {
  size_t n = 0;
  while (n < out.size() && out[n] >= '0' && out[n] <= '9') ++n;
  return out.substr(0, n);
}

}  // namespace

StartResult SlurmBackend::start(const TaskSpec& spec, const std::string& task_dir) const {
  StartResult r;
  std::string wrapper = find_wrapper_executable(spec.wrapper, &r.error);
  if (wrapper.empty()) return r;
  if (find_tool("sbatch").empty()) {
    r.error = kInstallHint;
    return r;
  }
  std::string script = task_dir + "/" + task_files::kSlurmScript;
  if (!write_file_atomic(script, batch_script(spec, task_dir, wrapper), &r.error, Durability::Volatile)) return r;
  std::vector<std::string> args = {"--parsable", "--job-name=spmi-" + spec.id,
                                   "--output=" + task_dir + "/slurm-%j.out", "--chdir=/"};
  for (auto& a : sbatch_options(slurm_settings(spec))) args.push_back(std::move(a));
  args.push_back(script);
  ToolResult t = run_tool("sbatch", args, {}, {}, 30000);
  std::string job = t.ran && !t.timed_out && t.exit_code == 0 ? parse_job_id(t.out) : "";
  if (job.empty()) {
    ::unlink(script.c_str());
    r.error = t.ran && t.exit_code == 0 ? "sbatch printed no job id: " + t.out : t.describe("sbatch");
    return r;
  }
  // The wrapper cannot write its own state before this one: it first
  // waits for the cli.lock that this `spmi start` holds.
  TaskState st;
  st.phase = Phase::Queued;
  st.backend = "slurm";
  st.backend_id = job;
  st.started_at_ms = now_ms();
  if (!write_file_atomic(task_dir + "/" + task_files::kState, serialize_state(st), &r.error)) {
    std::string ignored;
    run_scancel(job, {}, &ignored);
    r.error = "Slurm job " + job + " was cancelled again: " + r.error;
    return r;
  }
  r.ok = true;
  r.job_id = job;
  return r;
}

bool SlurmBackend::attaches(const TaskView& v) const { return relays(v); }

bool SlurmBackend::relays(const TaskView& v) const { return v.remote && !ran_on_node(); }

std::string SlurmBackend::attach_banner(const TaskView& v) const {
  return "connecting to " + v.id + " on " + v.state.host + " (srun --jobid " + v.state.backend_id + " --overlap)";
}

int SlurmBackend::attach(const TaskView& v, std::string* err) const {
  return relay(v, {"connect", v.id}, ::isatty(STDIN_FILENO), err);
}

int SlurmBackend::relay(const TaskView& v, const std::vector<std::string>& spmi_args, bool terminal,
                        std::string* err) const {
  if (find_tool("srun").empty()) {
    *err = "reaching a task's wrapper on another node needs srun (Slurm's client tools) in PATH";
    return -1;
  }
  std::string self = own_executable();
  if (self.empty()) {
    *err = "cannot find the spmi executable (/proc/self/exe)";
    return -1;
  }
  // A step that shares the job's resources (--overlap) runs spmi on the
  // job's node, where the task's control and stdin FIFOs are read.
  std::vector<std::string> args = {"--jobid=" + v.state.backend_id, "--overlap", "--quiet"};
  args.push_back(terminal ? "--pty" : "--input=none");
  // env(1) sets the two variables on the node (see make_env in multiplexer.cc).
  args.insert(args.end(), {"env", "SPMI_PATH=" + dir_name(v.dir), std::string(kOnNodeVariable) + "=1", self});
  args.insert(args.end(), spmi_args.begin(), spmi_args.end());
  return run_interactive("srun", args);
}

std::string SlurmBackend::end_lost(const TaskView& v, bool kill, std::string* err) const {
  // The wrapper is gone (its node died, or Slurm cannot be asked): Slurm
  // ends the job, whatever is left of it. A node that does not answer keeps
  // it COMPLETING until Slurm marks the node down; that is Slurm's to finish.
  (void)kill;
  const std::string& job = v.state.backend_id;
  if (job.empty()) {
    *err = "no Slurm job id recorded";
    return "";
  }
  if (!run_scancel(job, {}, err)) {
    *err = "cannot cancel Slurm job " + job + ": " + *err;
    return "";
  }
  return "Slurm job " + job + " cancelled";
}

const Backend& slurm_backend() {
  static const SlurmBackend backend;
  return backend;
}

}  // namespace spmi
