// The backend interface: everything spmi asks of the thing that runs a
// task's wrapper (a detached process, a screen or tmux window, a Slurm job).
// The CLI and src/lifecycle/ talk to backends only through this; a backend
// is one file implementing it plus one row in registry.cc (see
// docs/sphinx/development.rst, "Adding a backend").
//
// Operations, in the order a task meets them:
//   read_options   [task.backend] keys beyond `type`, checked at load
//   start          launch the wrapper; return once it reported
//   refine_views   what the backend knows of tasks no wrapper holds here
//   request_end    ask the wrapper (or the backend) to stop or kill the task
//   await_end      wait until it ended, and say how
//   end_lost       end what the backend still runs of a task whose wrapper is gone
//   attach         put this terminal on the task's window (connect)
//   relay          run an spmi command where the task's wrapper runs
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

// Set in the environment of the spmi that a backend's relay runs where the
// task's wrapper is (Slurm: srun on the job's node). That spmi acts there,
// through the FIFOs, and never relays again.
inline constexpr const char* kOnNodeVariable = "SPMI_ON_NODE";
// True in such an spmi.
bool ran_on_node();
// The hidden command a relay runs there to hand one request to the wrapper
// (cli/cmd_control.cc): `spmi _control <id> <request byte>`.
inline constexpr std::string_view kControlCommand = "_control";

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

  // Called for the tasks whose state says queued or running while no
  // wrapper holds their lock here, all at once (`spmi list` asks Slurm once
  // for all its queued jobs): the backend may know better (Slurm: the job is
  // pending, or ended without its wrapper recording it). The views whose
  // task's files changed meanwhile go to `changed` (read them again).
  virtual void refine_views(const Store& store, const std::vector<TaskView*>& views,
                            std::vector<TaskView*>* changed) const {
    (void)store;
    (void)views;
    (void)changed;
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

  // Ends what the backend still runs of a task whose wrapper was lost
  // (TaskView::backend_running: a Slurm job on a node that died). Returns
  // what it did ("Slurm job 12 cancelled"), or "" with `err`.
  virtual std::string end_lost(const TaskView& v, bool kill, std::string* err) const;

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

  // Whether requests to the wrapper of `v` (its control FIFO) must be made
  // where it runs (Slurm: a wrapper on another node), through relay.
  virtual bool relays(const TaskView& v) const {
    (void)v;
    return false;
  }
  // Runs `spmi <args>` where the wrapper of `v` runs, on this terminal when
  // `terminal`; returns its exit code, or -1 with `err`.
  virtual int relay(const TaskView& v, const std::vector<std::string>& args, bool terminal, std::string* err) const;

 protected:
  // Waits until the wrapper of `v` has let go of its lock (it exited), at
  // most until `deadline_ms` (monotonic); returns the lock, now ours, or an
  // invalid Fd when the wrapper still holds it.
  static Fd wait_wrapper_lock(const Store& store, const TaskView& v, int64_t deadline_ms);
};

// Hands `request` to the wrapper of `v`: through its control FIFO here, or
// through `backend`'s relay where it runs (a Slurm job on another node).
// `backend` is the one that started the wrapper (wrapper_backend in
// lifecycle/session.h; null: the FIFO). False
// with `err` when no wrapper took it.
bool request_wrapper(const Backend* backend, const TaskView& v, ControlRequest request, std::string* err);

// Reports the keys of [task.backend] `table` not in `allowed` (a backend's
// option_keys()), naming the backend a key belongs to when it is another's.
void check_backend_keys(const Node& table, Checker& check, const std::vector<std::string_view>& allowed);

}  // namespace spmi
