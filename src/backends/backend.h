// The backend interface: everything spmi asks of the thing that runs a
// task's wrapper (a detached process, a screen or tmux window, a Slurm job).
// The CLI and src/lifecycle/ talk to backends only through this; a backend
// is one file implementing it plus one row in registry.cc (see
// docs/sphinx/development.rst, "Adding a backend").
//
// Operations, in the order a task meets them:
//   read_options   [task.backend] keys beyond `type`, checked at load
//   start          launch the wrapper; return once it reported
//   refine_view    what the backend knows of a task no wrapper holds here
//   request_end    ask the wrapper (or the backend) to stop or kill the task
//   await_end      wait until it ended, and say how
//   attach         put this terminal on the task's window (connect)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/task_spec.h"
#include "store/control.h"
#include "store/task_view.h"

namespace spmi {

class Checker;
struct Node;

struct StartResult {
  bool ok = false;
  pid_t pid = 0;      // the task's main process (0: none yet, e.g. a queued Slurm job)
  std::string job_id; // a batch system's job (Slurm), when the task was queued
  std::string error;  // why it did not start
};

// One stop or kill in flight (request_end fills it, await_end reads it).
struct EndRequest {
  bool kill = false;
  int64_t requested_ms = 0;  // monotonic
  // The wrapper's process and the deadline for its end, when the backend
  // can wait for it here; stop/kill wait for all of these together.
  Waitable wait;
};

// How a task ended, for "stopped web (SIGTERM, 1.2s)".
struct EndOutcome {
  bool ok = false;
  int signal = 0;      // the signal that ended it (0: not known)
  std::string how;     // said instead of the signal ("Slurm job 12 cancelled")
  int64_t took_ms = 0;
  std::string error;   // !ok: why it did not end ("still running after ...")
};

using DebugSink = std::function<void(const std::string&)>;

class Backend {
 public:
  virtual ~Backend() = default;

  // The keys its [task.backend] table may hold (`type` first).
  virtual std::vector<std::string_view> option_keys() const { return {"type"}; }
  // The [task.backend] table of a descriptor: keys other than `type` go to
  // the spec. Default: no other keys.
  virtual void read_options(const Node& table, Checker& check, TaskSpec* spec) const;

  // Launches the wrapper for the task in `task_dir` and returns once the
  // wrapper has started the command, or has failed to (with the reason).
  virtual StartResult start(const TaskSpec& spec, const std::string& task_dir) const = 0;

  // Called for a task whose state says queued or running while no wrapper
  // holds its lock here: the backend may know better (Slurm: the job is
  // pending, or ended without its wrapper recording it). Returns false when
  // the task's files changed meanwhile (read the view again).
  virtual bool refine_view(const Store& store, TaskView& v) const {
    (void)store;
    (void)v;
    return true;
  }

  // Whether the processes of a task whose wrapper was lost are on this host
  // and spmi's to find and end (Slurm: they are Slurm's, maybe elsewhere).
  virtual bool ends_leftovers() const { return true; }
  // Whether `status` names the host the wrapper runs on even when it is this one.
  virtual bool shows_host() const { return false; }
  // Whether an active task can be restarted in place through its wrapper's
  // control FIFO (false: end it, then start it again).
  virtual bool restarts_in_place(const TaskView& v) const {
    (void)v;
    return true;
  }

  // Asks an active task to stop (or be killed). Default: the control FIFO,
  // else SIGTERM to the wrapper; `req->wait` gets the wrapper's pidfd.
  virtual bool request_end(const TaskView& v, EndRequest* req, const DebugSink& debug, std::string* err) const;
  // Waits for the end requested; called after every request's `wait` has
  // been waited for together.
  virtual EndOutcome await_end(const Store& store, const TaskView& v, EndRequest& req, const DebugSink& debug) const;

  // `spmi connect` (without --follow): true when the task's terminal is
  // reached through the backend (attach) rather than its files and stdin
  // FIFO here.
  virtual bool attaches(const TaskView& v) const {
    (void)v;
    return false;
  }
  // What connect says before attaching ("attaching to web (tmux %3); ...").
  virtual std::string attach_banner(const TaskView& v) const;
  // Attaches this terminal until the user detaches; returns the tool's exit
  // code, or -1 with `err`.
  virtual int attach(const TaskView& v, std::string* err) const;
  // How connect describes following the files here ("native backend").
  virtual std::string local_connect_label() const { return "native backend"; }

 protected:
  // Waits until the wrapper of `v` has let go of its lock (it exited), at
  // most until `deadline_ms` (monotonic); returns the lock, now ours, or an
  // invalid Fd when the wrapper still holds it.
  static Fd wait_wrapper_lock(const Store& store, const TaskView& v, int64_t deadline_ms);
};

// Reports the keys of [task.backend] `table` not in `allowed` (a backend's
// option_keys()), naming the backend a key belongs to when it is another's.
void check_backend_keys(const Node& table, Checker& check, const std::vector<std::string_view>& allowed);

}  // namespace spmi
