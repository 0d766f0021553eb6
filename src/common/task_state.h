// The task's runtime state: <task dir>/state, written atomically by the
// wrapper at every transition (and by `spmi stop/kill` only after the wrapper
// was lost, while holding the task's lock). See state/schema.md, "state".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/watchdog_settings.h"

namespace spmi {

inline constexpr int kStateVersion = 1;
// The largest pid the kernel hands out (PID_MAX_LIMIT on 64-bit Linux).
inline constexpr long long kMaxPid = 1 << 22;

// The wrapper's phases (the state machine in src/wrappers/wrapper_machine.h).
enum class Phase {
  Starting,  // wrapper holds the lock, command not yet running
  Running,   // main process running
  Draining,  // main process exited, descendants it left behind still run
  Stopping,  // stop signal sent, waiting for the tree to end until the deadline
  Killing,   // SIGKILL sent, waiting for the tree to end
  Exited,    // nothing of the task is left; exit status recorded
  FailedToStart,  // the command could not be started, or its run ended before min_uptime (see `error`); "failed-to-start" on disk
  Backoff,   // watchdog: the run ended, the next start is scheduled
  GaveUp,    // watchdog: too many restarts in the window; sticky until a user starts it
  Scheduled, // watchdog with a schedule: waiting for the next fire
  Queued,    // slurm: the job is submitted, its wrapper has not started (written by spmi start)
};

// How the last run ended, as the wrapper (or spmi, for a lost wrapper)
// recorded it: `end_cause` in the state file. Whether it should run again
// after a reboot follows from it (lifecycle/resurrect.h): only a user's stop
// keeps a task down.
enum class EndCause {
  None,    // not ended yet, or written before the key existed ("" on disk)
  Exit,    // it ended by itself: the command exited, failed to start, or the watchdog gave up
  User,    // spmi stop or kill (of the task, or of the leftovers of a lost wrapper)
  Signal,  // the wrapper got SIGTERM, SIGINT or SIGHUP from elsewhere: a shutdown,
           // a closed window, Slurm's time limit, someone's kill
};
const char* end_cause_name(EndCause c);
bool end_cause_from_name(const std::string& name, EndCause* out);

const char* phase_name(Phase p);
bool phase_from_name(const std::string& name, Phase* out);
// True for the phases in which the task may still have processes (Queued is
// not: nothing runs until the wrapper starts and replaces it).
bool phase_is_live(Phase p);

struct TaskState {
  std::string run_id;  // unique per start; exported to the task as SPMI_RUN_ID
  Phase phase = Phase::Starting;
  std::string backend;
  std::string backend_id;  // native: wrapper pid; screen: $STY; tmux: pane; slurm: job id
  std::string host;        // the host the wrapper runs on ("" in files written before it existed)
  std::string boot_id;     // the boot it runs in (common/task_tree.h); pids of another boot mean nothing
  pid_t wrapper_pid = 0;
  unsigned long long wrapper_start_ticks = 0;
  pid_t pid = 0;  // the main process (the shell for shell commands)
  unsigned long long pid_start_ticks = 0;
  pid_t pgid = 0;
  pid_t sid = 0;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;  // when nothing of the task was left (0: not yet)
  bool main_exited = false;
  int exit_code = -1;   // exit status of the main process, when it exited normally
  int exit_signal = 0;  // signal that killed the main process
  std::string stop_request;  // "", "stop" or "kill": what spmi (or a signal to the wrapper) asked
  int ended_by = 0;          // the signal that ended the tree after a stop request (0: ended by itself)
  EndCause end_cause = EndCause::None;  // who or what ended the run (None while it runs)
  std::string error;         // why the start failed
  std::string note;          // anything else worth showing (e.g. wrapper lost)
  int restarts = 0;           // how often this wrapper started the command again
  int64_t next_start_at_ms = 0;  // Backoff: when the next start is due
  HealthStatus health = HealthStatus::None;  // None: the task has no health check
  int health_failures = 0;       // consecutive failed checks
  std::string health_detail;     // what the last check said
  bool ready = false;            // this run signalled readiness (see TaskSpec::ready_fd)
  int64_t ready_at_ms = 0;
  int64_t next_fire_at_ms = 0;   // scheduled tasks: the next fire (0: none)
  int64_t last_fire_at_ms = 0;
  int runs = 0;                  // scheduled tasks: how many fires ran
  int skipped = 0;               // scheduled tasks: fires skipped because a run was still going
  // The task's own cgroup (common/cgroup.h): "v1", "v2", or "none" (then
  // cgroup_note says why); "" in files of older wrappers or with cgroup = false.
  std::string cgroup_mode;
  std::vector<std::string> cgroups;  // its directories
  std::string cgroup_note;
  std::string log_error;         // why the task's output cannot be written ("" = it can)
  int64_t log_dropped_bytes = 0; // output dropped because it could not be written
  // Reloads of this wrapper's task (spmi reload): how many were done, when
  // the last one ended, and why it failed ("" = it worked).
  int reloads = 0;
  int64_t reloaded_at_ms = 0;
  std::string reload_error;
};

// The state file (state/schema.md, "state"), driven by one table of keys in
// task_state.cc; state_keys() lists them in file order.
std::string serialize_state(const TaskState& st);
bool parse_state(const std::string& text, TaskState* st, std::string* err);
std::vector<const char*> state_keys();

}  // namespace spmi
