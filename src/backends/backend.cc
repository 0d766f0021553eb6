// What a backend does unless it says otherwise: its wrapper runs on this
// host and is reached through the task's control FIFO and pidfd.
#include "backends/backend.h"

#include <algorithm>
#include <cstdlib>
#include <csignal>

#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"
#include "common/process_tree.h"
#include "backends/registry.h"
#include "common/names.h"
#include "manageables/schema.h"

namespace spmi {

void Backend::read_options(const Node& table, Checker& check, TaskSpec* spec) const {
  (void)spec;
  check_backend_keys(table, check, option_keys());
}

void check_backend_keys(const Node& table, Checker& check, const std::vector<std::string_view>& allowed) {
  for (const Entry& e : table.entries) {
    if (contains(allowed, e.key)) continue;
    // Another backend's key: say which ("partition" is Slurm's).
    std::string owner;
    for (const BackendType& t : backend_types())
      if (contains(t.get().option_keys(), e.key)) owner = t.name;
    if (!owner.empty())
      check.error(e.key_pos, "task.backend." + e.key + ": only for type = \"" + owner + "\"");
    else
      check.error(e.key_pos, unknown_key_message("task.backend", e.key, allowed));
  }
}

bool Backend::request_end(const TaskView& v, EndRequest* req, const DebugSink& debug, std::string* err) const {
  (void)err;
  req->requested_ms = monotonic_ms();
  req->wait.pidfd.reset(open_pidfd(v.state.wrapper_pid, v.state.wrapper_start_ticks));
  req->wait.deadline_ms = req->requested_ms + (req->kill ? 10000 : v.spec.stop_budget_ms() + 10000);
  std::string why;
  if (!send_control(v.dir, req->kill ? ControlRequest::Kill : ControlRequest::Stop, &why)) {
    // The control FIFO is gone but the lock is held: fall back to a signal
    // (the wrapper stops its task on SIGTERM).
    debug(v.id + ": " + why + "; signalling the wrapper instead");
    ProcStat w;
    if (read_proc_stat(v.state.wrapper_pid, &w)) signal_process(w, SIGTERM);
  }
  return true;
}

EndOutcome Backend::await_end(const Store& store, const TaskView& v, EndRequest& req, const DebugSink& debug) const {
  (void)debug;
  EndOutcome o;
  // No pidfd (the recorded wrapper identity did not match): wait for the
  // wrapper's lock instead, which is released when it exits.
  if (!req.wait.pidfd.valid()) req.wait.exited = wait_wrapper_lock(store, v, req.wait.deadline_ms).valid();
  if (!req.wait.exited) {
    o.error = "still running after waiting " + format_duration_ms(req.wait.deadline_ms - req.requested_ms) + "; see " +
              v.dir + "/wrapper.log";
    return o;
  }
  o.ok = true;
  o.took_ms = monotonic_ms() - req.requested_ms;
  TaskState st;
  bool present = false;
  std::string err;
  if (store.read_state(v.id, &st, &present, &err) && present) o.signal = st.ended_by;
  return o;
}

Fd Backend::wait_wrapper_lock(const Store& store, const TaskView& v, int64_t deadline_ms) {
  bool busy = false;
  std::string err;
  int64_t left = std::max<int64_t>(0, deadline_ms - monotonic_ms());
  // A task whose wrapper never ran (a cancelled Slurm job) has no `lock` yet.
  return wait_lock_file(store.task_file(v.id, task_files::kLock), static_cast<int>(left), &busy, &err, true);
}

std::string Backend::attach_banner(const TaskView& v) const {
  return "attaching to " + v.id + " (" + v.spec.backend + " " + v.state.backend_id + ")";
}

int Backend::attach(const TaskView& v, std::string* err) const {
  (void)v;
  *err = "this backend has no window to attach to";
  return -1;
}

bool ran_on_node() { return std::getenv(kOnNodeVariable) != nullptr; }

bool request_wrapper(const Backend* backend, const TaskView& v, ControlRequest request, std::string* err) {
  if (!backend || !backend->relays(v)) return send_control(v.dir, request, err);
  int rc = backend->relay(v, {std::string(kControlCommand), v.id, std::string(1, static_cast<char>(request))}, false, err);
  if (rc == 0) return true;
  if (rc > 0) *err = "the request did not reach its wrapper on " + v.state.host + " (srun exit code " + std::to_string(rc) + ")";
  return false;
}

std::string Backend::end_lost(const TaskView& v, bool kill, std::string* err) const {
  (void)v;
  (void)kill;
  *err = "this backend runs nothing of a task whose wrapper is gone";
  return "";
}

int Backend::relay(const TaskView& v, const std::vector<std::string>& args, bool terminal, std::string* err) const {
  (void)v;
  (void)args;
  (void)terminal;
  *err = "this backend cannot reach its wrappers from another host";
  return -1;
}

}  // namespace spmi
