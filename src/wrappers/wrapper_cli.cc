// The command line of spmi-wrapper and spmi-watchdog, the small resident
// process that supervises one task. Each executable's main (main_wrapper.cc,
// main_watchdog.cc) calls wrapper_main with its feature set (features.h).
//
//   spmi-wrapper [--report-fd N | --report-fifo PATH] [--env-file PATH]
//                [--id-from VARIABLE] [--slurm] [--detach] <task-dir>
//
// Launched by a backend, never by users. It reads only <task-dir>/spec,
// picks the wrapper implementation named by the spec's `wrapper` type, and
// reports "ok <pid>" or "error <why>" on the report fd once the command runs
// ("ok 0" for a scheduled task, which waits for its first fire).
// --id-from names the environment variable in which the backend gives the
// wrapper's backend id (tmux: TMUX_PANE, screen: STY); --slurm says it runs
// as a Slurm batch job (id from SLURM_JOB_ID; scancel's SIGTERM is a stop).
// --resume FD (or --resume-awake FD) is the idle core bringing the wrapper
// back (idle_core/idle_protocol.h); never given by a backend.
// --detach (the native backend) forks once first and lets the parent exit at
// once: the wrapper then runs on, reparented away from spmi and not a session
// leader (so it never gets a controlling terminal). spmi spawns it with
// posix_spawn (no copy of the CLI's page tables) and waits for that parent.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/fd.h"
#include "common/task_spec.h"
#include "spmi_version.h"
#include "wrappers/features.h"
#include "wrappers/idle_core/idle_protocol.h"
#include "wrappers/wrapper_options.h"

namespace {

int usage() {
  const char msg[] = "usage: spmi-wrapper [--report-fd N | --report-fifo PATH] [--env-file PATH] [--id-from VARIABLE] [--slurm] "
      "[--detach] <task-dir>\n";
  spmi::write_all(STDERR_FILENO, msg);
  return 2;
}

}  // namespace

namespace spmi {

int wrapper_main(int argc, char** argv, WrapperFeatures& features) {
  spmi::WrapperOptions opts;
  bool detach = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      const char* name = std::strrchr(argv[0], '/');
      spmi::write_all(STDOUT_FILENO, std::string(name ? name + 1 : argv[0]) + " " SPMI_VERSION "\n");
      return 0;
    }
    if (std::strcmp(argv[i], "--report-fd") == 0 && i + 1 < argc) {
      opts.report_fd = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--report-fifo") == 0 && i + 1 < argc) {
      opts.report_fifo = argv[++i];
    } else if (std::strcmp(argv[i], "--env-file") == 0 && i + 1 < argc) {
      opts.env_file = argv[++i];
    } else if (std::strcmp(argv[i], "--id-from") == 0 && i + 1 < argc) {
      opts.id_variable = argv[++i];
    } else if ((std::strcmp(argv[i], idle::kResumeFlag) == 0 || std::strcmp(argv[i], idle::kResumeAwakeFlag) == 0) &&
               i + 1 < argc) {
      opts.stay_awake = std::strcmp(argv[i], idle::kResumeAwakeFlag) == 0;
      opts.resume_fd = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--detach") == 0) {
      detach = true;
    } else if (std::strcmp(argv[i], "--slurm") == 0) {
      opts.slurm = true;
      if (!opts.id_variable) opts.id_variable = "SLURM_JOB_ID";
    } else if (argv[i][0] == '-' || !opts.task_dir.empty()) {
      return usage();
    } else {
      opts.task_dir = argv[i];
    }
  }
  if (opts.task_dir.empty()) return usage();
  // Back from the idle core: the spec comes with the resume record.
  if (opts.resume_fd >= 0) return spmi::run_wrapper(opts, features);
  if (detach) {
    pid_t child = ::fork();
    if (child < 0) {
      spmi::send_report(&opts, "error cannot detach the wrapper: fork: " + std::string(std::strerror(errno)));
      return 1;
    }
    if (child > 0) ::_exit(0);  // the spawner waits for this exit
  }

  std::string text, err;
  spmi::TaskSpec spec;
  if (!spmi::read_state_file(opts.task_dir + "/" + spmi::task_files::kSpec, &text, &err) ||
      !spmi::parse_spec(text, &spec, &err)) {
    std::string line = "error cannot read the task spec: " + err;
    spmi::send_report(&opts, line);
    spmi::write_all(STDERR_FILENO, line + "\n");
    return 1;
  }
  // One loop for every type; the executable's feature set and the spec
  // (restart policy, health, schedule) make it a watchdog.
  if (features.runs_type(spec.wrapper)) return spmi::run_wrapper(opts, features);
  spmi::send_report(&opts, "error this executable does not run wrapper type '" + spec.wrapper + "'");
  return 1;
}

}  // namespace spmi
