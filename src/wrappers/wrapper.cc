// The wrapper's core I/O: takes the task's lock, starts the command in its
// own session, records pid/start/exit in the state file, and sleeps in poll()
// on a signalfd and the control FIFO until something happens. Every decision
// is made by WrapperMachine; this file only turns kernel events into machine
// events and carries out the actions.
#include "wrappers/wrapper.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <utility>
#include <vector>

#include "common/atomic_file.h"
#include "common/byte_size.h"
#include "common/child_setup.h"
#include "common/clock.h"
#include "common/control_protocol.h"
#include "common/duration.h"
#include "common/fd.h"
#include "common/identity.h"
#include "common/lock_file.h"
#include "common/plain_command.h"
#include "common/proc.h"
#include "common/process_tree.h"
#include "common/signals.h"
#include "common/task_env.h"
#include "common/task_spec.h"
#include "common/task_state.h"
#include "common/task_tree.h"
#include "wrappers/clone_child.h"
#include "wrappers/event_log.h"
#include "wrappers/idle_memory.h"
#include "wrappers/wrapper.h"

extern char** environ;

namespace spmi {
namespace {

// Signals the wrapper receives through its signalfd.
// TERM, INT and HUP ask for a stop, USR1 for a kill (how `spmi stop/kill`
// reach a wrapper on another node: scancel --batch --signal).
constexpr int kHandledSignals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGWINCH, SIGUSR1};

}  // namespace

double random_fraction() {
  unsigned int r = 0;
  if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) r = 0;
  return static_cast<double>(r) / 4294967296.0;
}

void Wrapper::report(const std::string& line) { send_report(&opts_, line); }

void Wrapper::release_task() {
  if (!state_.cgroups.empty()) {
    std::string err;
    // Anything still in it (a start that failed midway) goes first.
    kill_cgroup(task_cgroup(), 1000);
    if (!remove_cgroup(task_cgroup(), &err)) log(err);
  }
  // FIFOs first: once the lock is free a new wrapper may make its own.
  ::unlink(path(task_files::kControl).c_str());
  ::unlink(path(task_files::kStdin).c_str());
  lock_fd_.reset();
}

void Wrapper::log(const std::string& line) {
  std::string msg = format_rfc3339_utc(now_ms()) + " spmi-wrapper[" + std::to_string(::getpid()) + "]: " + line + "\n";
  write_all(log_fd_.valid() ? log_fd_.get() : STDERR_FILENO, msg);
}

bool Wrapper::save_state() {
  if (hold_writes_ > 0) {
    state_pending_ = true;  // written once when the hold ends (HeldWrites)
    return true;
  }
  state_.phase = machine_.phase();
  state_.ended_by = machine_.ended_by();
  state_.stop_request = machine_.stop_request();
  // The run has ended: record who ended it (state/schema.md, end_cause).
  if (phase_is_live(state_.phase))
    state_.end_cause = EndCause::None;
  else
    state_.end_cause = state_.stop_request == "stop" || state_.stop_request == "kill" ? stop_cause_ : EndCause::Exit;
  // The same bytes again (a stop's end was written twice: by the end
  // itself and by the final log figures) would only make a new inode.
  std::string text = serialize_state(state_);
  if (state_error_.empty() && text == written_state_) return true;
  std::string err;
  ++state_saves_;
  if (!write_file_atomic(path(task_files::kState), text, &err, Durability::Volatile)) {
    log("cannot write state: " + err);
    state_error_ = err;
    return false;
  }
  state_error_.clear();
  written_state_ = std::move(text);
  return true;
}

int Wrapper::fail_start(const std::string& why) {
  log("failed to start: " + why);
  state_.error = why;
  state_.finished_at_ms = now_ms();
  machine_.on(WrapperEvent::StartFailed, monotonic_ms());
  save_state();
  release_task();
  report("error " + why);
  return 1;
}

bool Wrapper::make_fifo(const char* name, int open_flags, Fd* out, std::string* err) {
  std::string p = path(name);
  ::unlink(p.c_str());
  if (::mkfifo(p.c_str(), 0600) != 0) {
    *err = "cannot create " + p + ": " + errno_text(errno);
    return false;
  }
  out->reset(::open(p.c_str(), open_flags | O_CLOEXEC));
  if (!out->valid()) {
    *err = "cannot open " + p + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool Wrapper::prepare(std::string* err) {
  std::string text;
  if (!read_state_file(path(task_files::kSpec), &text, err)) return false;
  if (!parse_spec(text, &spec_, err)) {
    *err = path(task_files::kSpec) + ": " + *err;
    return false;
  }
  make_machine();
  events_fd_.reset(::open(path(task_files::kEvents).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));

  // Orphaned descendants (daemonizing grandchildren) are reparented to us.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    *err = "cannot become child subreaper: " + errno_text(errno);
    return false;
  }
  sigset_t set;
  sigemptyset(&set);
  for (int s : kHandledSignals) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  signal_fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd_.valid()) {
    *err = "signalfd: " + errno_text(errno);
    return false;
  }
  ::signal(SIGPIPE, SIG_IGN);

  // The control FIFO is opened read+write so it never reports EOF; clients
  // open it write-only and non-blocking (ENXIO = no wrapper).
  if (!make_fifo(task_files::kControl, O_RDWR | O_NONBLOCK, &control_fd_, err)) return false;
  // The task's stdin: a FIFO that `spmi connect` writes into. The child gets
  // it read+write, so it never sees EOF while it runs (SPMI's behaviour). In
  // a window the child reads its pty instead and the relay copies the FIFO in.
  if (!make_fifo(task_files::kStdin, terminal_ ? O_RDWR | O_NONBLOCK : O_RDWR, &stdin_fd_, err)) return false;

  // The wrapper writes the task's output (see log_writer.h). A log that
  // cannot be written is reported in the state; it never stops the task.
  // One that is a link (or a FIFO) where the file should be does: writing
  // through it would write somewhere the task's owner chose.
  if (!out_log_.setup(spec_.stdout_log(opts_.task_dir), spec_.logs, now_ms, err)) return false;
  if (!spec_.mixed_stdout && !err_log_.setup(spec_.stderr_log(opts_.task_dir), spec_.logs, now_ms, err)) return false;
  rotations_seen_ = log_rotations();
  return features_.prepare(err);
}

// Runs in the forked child: never returns, never touches the parent's state
// beyond what fork copied, and ends with _exit on any failure.
void Wrapper::exec_child(int err_fd) {
  features_.in_child(&err_fd);
  auto fail = [err_fd](const ChildFailure& f) {
    ssize_t ignored = ::write(err_fd, &f, sizeof f);
    (void)ignored;
    ::_exit(127);
  };
  // Children start clean: default dispositions, empty mask, own session.
  reset_signals();
  if (::setsid() < 0) fail({ChildFailure::Setup, errno});

  if (terminal_) {
    // The task's own pty becomes its controlling terminal and stdio.
    if (::ioctl(relay_.child_in(), TIOCSCTTY, 0) < 0) fail({ChildFailure::Setup, errno});
    if (::dup2(relay_.child_in(), 0) < 0 || ::dup2(relay_.child_out(), 1) < 0 || ::dup2(relay_.child_err(), 2) < 0)
      fail({ChildFailure::Setup, errno});
  } else if (::dup2(stdin_fd_.get(), 0) < 0 || ::dup2(out_write_.get(), 1) < 0 ||
             ::dup2(spec_.mixed_stdout ? out_write_.get() : err_write_.get(), 2) < 0) {
    // stdin = the FIFO, stdout/stderr = pipes the wrapper copies into the
    // logs. dup2 clears CLOEXEC.
    fail({ChildFailure::Setup, errno});
  }

  // Limits, priority, umask, identity, directory, environment (child_setup.h).
  ChildFailure f;
  if (!apply_child_plan(child_plan(), &f)) fail(f);

  if (spec_.uses_shell()) {
    if (!plain_words_.empty()) {
      std::vector<char*> args;
      for (auto& a : plain_words_) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      // Not executable: the shell reports it as it always did (127).
    }
    const char* args[] = {"sh", "-c", spec_.shell_command.c_str(), nullptr};
    ::execv("/bin/sh", const_cast<char* const*>(args));
  } else {
    std::vector<char*> args;
    for (auto& a : spec_.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // execvp searches PATH of the task's own environment (set above).
    ::execvp(args[0], args.data());
  }
  fail({ChildFailure::Exec, errno});
  ::_exit(127);
}

ChildPlan Wrapper::child_plan() {
  ChildPlan plan;
  plan.settings = &spec_.process;
  plan.identity = &identity_;
  plan.cwd = spec_.cwd.c_str();
  plan.envp = child_envp_.data();
  plan.cgroup_procs = cgroup_join_ptrs_.empty() ? nullptr : cgroup_join_ptrs_.data();
  return plan;
}

// The task's cgroup, for the whole life of this wrapper (every restart runs
// in it). Without limits a machine that offers none is only noted.
bool Wrapper::make_cgroup(std::string* err) {
  if (!spec_.cgroup.enabled) return true;
  std::string why_none;
  {
    TaskCgroup made;
    if (!make_task_cgroup(spec_.id + "-" + state_.run_id, spec_.cgroup, &made, &why_none, err)) return false;
    // Copied once the parse's temporaries are freed, so what stays packs
    // into few heap pages (the wrapper's memory is paid per task).
    state_.cgroup_mode = made.empty() ? "none" : made.mode;
    state_.cgroups = made.dirs;
  }
  state_.cgroup_note = why_none;
  if (state_.cgroups.empty()) {
    log("no cgroup for the task: " + why_none);
    return true;
  }
  set_cgroup_join();
  log("cgroup " + state_.cgroup_mode + ": " + state_.cgroups.front() +
      (state_.cgroups.size() > 1 ? " (and " + std::to_string(state_.cgroups.size() - 1) + " more)" : ""));
  oom_kills_ = std::max(0LL, cgroup_oom_kills(task_cgroup()));
  return true;
}

// After a child of the task ended: did the kernel's OOM killer end it? (Its
// counter in the cgroup went up.) Read only when a child ended, never idle.
void Wrapper::check_oom_kills() {
  if (state_.cgroups.empty() || spec_.cgroup.memory_max <= 0) return;
  long long now = cgroup_oom_kills(task_cgroup());
  if (now <= oom_kills_) return;
  std::string why = "the kernel's OOM killer ended " + std::to_string(now - oom_kills_) +
                    " process(es) of the task: its cgroup reached memory_max (" +
                    format_byte_size(spec_.cgroup.memory_max) + ")";
  oom_kills_ = now;
  log(why);
  state_.note = why;
  note_event("oom-kill", why);
}

pid_t Wrapper::spawn(std::string* err) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    *err = "pipe: " + errno_text(errno);
    return -1;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    *err = "fork: " + errno_text(errno);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return -1;
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    exec_child(pipefd[1]);
  }
  ::close(pipefd[1]);
  ChildFailure f{};
  ssize_t n;
  do {
    n = ::read(pipefd[0], &f, sizeof f);
  } while (n < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (n == static_cast<ssize_t>(sizeof f)) {
    int status;
    ::waitpid(pid, &status, 0);
    std::string what = spec_.uses_shell() ? std::string("/bin/sh") : spec_.argv[0];
    *err = describe_child_failure(f, child_plan(), what, spec_.process.user, spec_.process.group);
    return -1;
  }
  return pid;
}

// The environment and identity of the next run, resolved in the parent
// (indirections and env_file are read at each start; errors fail the start).
// The identity comes as numbers from `spmi start` (common/identity.h): the
// static wrapper never looks a name up.
bool Wrapper::prepare_process(std::string* err) {
  const ProcessSettings& ps = spec_.process;
  identity_ = RunIdentity{};
  if (!ps.user.empty() || !ps.group.empty()) {
    if (::geteuid() != 0) {
      *err = "user/group are set, but spmi does not run as root (it runs as uid " + std::to_string(::geteuid()) +
             "): it cannot switch to another user";
      return false;
    }
    std::string text, why;
    if (!read_state_file(path(task_files::kIdentity), &text, &why) || !parse_identity(text, &identity_, &why)) {
      *err = "the task's user/group were not resolved by spmi start (" + why + ")";
      return false;
    }
  }
  std::vector<std::pair<std::string, std::string>> extra = {
      {"SPMI_TASK_ID", spec_.id}, {"SPMI_RUN_ID", state_.run_id}, {"SPMI_TASK_DIR", opts_.task_dir}};
  std::vector<std::string> remove;
  features_.task_env_fixups(&extra, &remove);
  std::vector<std::string> env;
  if (!build_task_env(spec_, environ, identity_, extra, remove, &env, err)) return false;
  set_child_env(std::move(env));
  return true;
}

void Wrapper::set_child_env(std::vector<std::string> env) {
  child_env_ = std::move(env);
  child_envp_.clear();
  for (auto& e : child_env_) child_envp_.push_back(e.data());
  child_envp_.push_back(nullptr);
  plain_words_ = spec_.uses_shell() ? plain_command_words(spec_.shell_command) : std::vector<std::string>{};
}

void Wrapper::set_cgroup_join() {
  cgroup_join_ = cgroup_join_files(task_cgroup());
  cgroup_join_ptrs_.clear();
  for (const auto& f : cgroup_join_) cgroup_join_ptrs_.push_back(f.c_str());
  cgroup_join_ptrs_.push_back(nullptr);
}

void Wrapper::make_machine() {
  machine_ = WrapperMachine(spec_.stop_signal, RestartPolicy(spec_.restart, random_fraction),
                            spec_.schedule.waits_between_runs());
  machine_.set_stop_command(spec_.control.stop.set());
}

// Signals the task's processes; returns how many were signalled individually.
int Wrapper::signal_tree(int sig) {
  // The cgroup's kill is atomic: a fork bomb cannot outrun it.
  if (sig == SIGKILL && !state_.cgroups.empty()) kill_cgroup(task_cgroup(), 0);
  return signal_task_tree(state_, sig, helper_pids());
}

// Appends one JSON line per transition to the events file (event_log.h).
void Wrapper::record_event(const WrapperActions& a, Phase from) {
  if (a.event.empty()) return;
  EventRecord r;
  r.time_ms = now_ms();
  r.task = spec_.id;
  r.event = a.event;
  r.from = from;
  r.to = machine_.phase();
  r.reason = a.reason;
  r.pid = state_.pid;
  r.exited = state_.main_exited;
  r.exit_code = state_.exit_code;
  r.exit_signal = state_.exit_signal;
  r.restarts = machine_.restarts();
  r.delay_ms = a.backoff_ms;
  if (hold_writes_ > 0) {
    held_events_.push_back(std::move(r));
    return;
  }
  emit_event(r);
}

void Wrapper::emit_event(const EventRecord& r) {
  append_event(r);
  features_.event_recorded(r);
}

void Wrapper::append_event(const EventRecord& r) {
  if (events_fd_.valid()) write_all(events_fd_.get(), format_event_line(r));
}

Wrapper::HeldWrites::HeldWrites(Wrapper* w) : w_(w) { ++w_->hold_writes_; }

Wrapper::HeldWrites::~HeldWrites() {
  if (--w_->hold_writes_ > 0) return;
  // The events first, as a log comes before the table it explains: whoever
  // sees the new state (spmi wait, list) finds the events that led to it.
  // Then the state, then the feature set hears of the events (an on_event
  // hook reads a state at least as new as its event).
  std::vector<EventRecord> events;
  events.swap(w_->held_events_);
  for (const EventRecord& r : events) w_->append_event(r);
  if (w_->state_pending_) {
    w_->state_pending_ = false;
    w_->save_state();
  }
  for (const EventRecord& r : events) w_->features_.event_recorded(r);
}

void Wrapper::commit_event(const char* event, const std::string& reason) {
  HeldWrites hold(this);
  save_state();
  note_event(event, reason);
}

void Wrapper::handle(WrapperEvent e) {
  carry_out(e);
  // A restart without delay starts at once, not after another trip
  // through poll (the respawn's latency; the loop would do the same next).
  if (!done_ && machine_.phase() == Phase::Backoff && timers_.restart.due(monotonic_ms())) {
    timers_.restart.disarm();
    carry_out(WrapperEvent::BackoffElapsed);
  }
  // A scheduled task whose schedule has no further fire is done (at most
  // one follow-up: ScheduleEnded leaves Scheduled).
  if (!done_ && machine_.phase() == Phase::Scheduled && features_.schedule_ended())
    carry_out(WrapperEvent::ScheduleEnded);
}

// The events on which the machine re-signals a tree being killed.
static bool is_sweep(WrapperEvent e) { return e == WrapperEvent::Tick || e == WrapperEvent::ChildReaped; }

// Killing sweeps the tree again now and then (timers.h, SweepSchedule):
// SIGKILL reaches what was forked or left the group since. The schedule
// starts over when the phase becomes Killing and when SIGKILL went to the
// whole tree for another reason than a sweep. Stopping does not sweep: the
// stop signal goes once to what runs when it is sent (tree_signaller.h).
void Wrapper::sweep_after(WrapperEvent e, Phase from, const WrapperActions& a) {
  if (!machine_.wants_ticks()) {
    timers_.sweep.end();
    return;
  }
  if (machine_.phase() != from || (a.signal_tree && !is_sweep(e))) timers_.sweep.begin(monotonic_ms(), 100);
}

// One event: the machine's transition, then its actions.
void Wrapper::carry_out(WrapperEvent e) {
  // Nothing of the task is left: its output is complete, copy the rest
  // before the end (or the next run) is recorded.
  if (e == WrapperEvent::NoChildren) drain_output();
  Phase from = machine_.phase();
  WrapperActions a = machine_.on(e, monotonic_ms());
  if (a.cancel_stop_command) finish_stop_command(true);
  if (a.signal_tree) {
    int n = signal_tree(a.signal_tree);
    if (!is_sweep(e) || n > 0)  // a sweep that found nobody new is not worth a line
      log("sent " + signal_name(a.signal_tree) + " to the task's process group and " + std::to_string(n) +
          " process(es) of its tree");
  }
  sweep_after(e, from, a);
  if (a.arm_deadline) timers_.stop_deadline.arm(monotonic_ms() + spec_.stop_timeout_ms);
  if (a.disarm_deadline) timers_.stop_deadline.disarm();
  if (a.exit) {
    // The logs are complete before the end is recorded.
    if (terminal_) relay_.drain(1000);
    state_.finished_at_ms = now_ms();
  }
  if (a.backoff_ms >= 0) {
    timers_.restart.arm(monotonic_ms() + a.backoff_ms);
    state_.next_start_at_ms = now_ms() + a.backoff_ms;
    log("restarting in " + format_duration_ms(a.backoff_ms) + " (" + a.reason + ")");
  } else if (machine_.phase() != Phase::Backoff) {
    timers_.restart.disarm();
    state_.next_start_at_ms = 0;
  }
  if (!a.note.empty()) state_.note = a.note;
  if (machine_.phase() == Phase::FailedToStart && from != Phase::Starting)  // ended before min_uptime
    state_.error = "the run " + a.reason + ": " +
                   (state_.exit_signal ? "killed by " + signal_name(state_.exit_signal)
                                       : "exit code " + std::to_string(state_.exit_code));
  state_.restarts = machine_.restarts();
  state_.runs = machine_.runs();
  state_.skipped = machine_.skipped();
  features_.after_transition(from);
  const bool was_running = from == Phase::Running || from == Phase::Draining;
  if (!was_running && machine_.run_active() && spec_.restart.min_uptime_ms > 0)
    timers_.min_uptime.arm(monotonic_ms() + spec_.restart.min_uptime_ms);
  else if (!machine_.run_active())
    timers_.min_uptime.disarm();
  if (a.new_run) {
    // A new run: the previous run's process and exit belong to its own events.
    state_.pid = 0;
    state_.main_exited = false;
  }
  {
    HeldWrites hold(this);  // the event, then the state
    if (a.write_state && !a.spawn) save_state();
    record_event(a, from);
  }
  if (a.exit) done_ = true;
  if (a.spawn) start_run();
  if (a.run_stop_command && !start_stop_command()) handle(WrapperEvent::StopCommandEnded);
  if (a.reload) reload();
}

void Wrapper::reached_min_uptime() {
  timers_.min_uptime.disarm();
  std::string up = "up for min_uptime (" + format_duration_ms(spec_.restart.min_uptime_ms) + ")";
  log("the run stayed " + up + ": started");
  if (spec_.ready_fd > 0 || spec_.health.type != HealthType::None || state_.ready) return;
  state_.ready = true;
  state_.ready_at_ms = now_ms();
  commit_event("ready", up);
}

void Wrapper::note_event(const char* event, const std::string& reason) {
  WrapperActions a;
  a.event = event;
  a.reason = reason;
  record_event(a, machine_.phase());
}

// A run that could not be started: one way for every cause.
void Wrapper::fail_run(const std::string& why) {
  log("failed to start: " + why);
  state_.error = why;
  state_.finished_at_ms = now_ms();
  handle(WrapperEvent::StartFailed);
}

// Starts the command (first start or restart) and feeds the outcome back.
void Wrapper::start_run() {
  state_.pid = 0;
  state_.pid_start_ticks = 0;
  state_.main_exited = false;
  state_.exit_code = -1;
  state_.exit_signal = 0;
  state_.error.clear();
  state_.started_at_ms = now_ms();
  timers_.stop_deadline.disarm();
  std::string err;
  if (terminal_ && !relay_.open(spec_.mixed_stdout, &err)) return fail_run(err);
  if (!terminal_ && !open_output_pipes(&err)) return fail_run(err);
  if (!terminal_ && !stdin_fd_.valid()) {
    // The native task's stdin FIFO, opened again for each run.
    stdin_fd_.reset(::open(path(task_files::kStdin).c_str(), O_RDWR | O_CLOEXEC));
  }
  if (!prepare_process(&err)) return fail_run(err);
  if (!features_.before_spawn(&err)) return fail_run(err);
  pid_t pid = spawn(&err);
  features_.after_spawn();
  if (pid < 0) return fail_run(err);
  state_.pid = pid;
  state_.pid_start_ticks = proc_start_ticks(pid);
  state_.pgid = pid;
  state_.sid = pid;
  state_.finished_at_ms = 0;
  if (terminal_) {
    relay_.after_fork();
    relay_.set_sinks(&out_log_, spec_.mixed_stdout ? &out_log_ : &err_log_, stdin_fd_.get());
  } else {
    stdin_fd_.reset();   // only the child keeps the task's stdin open
    out_write_.reset();  // and the write ends of its output pipes
    err_write_.reset();
  }
  log("started " + spec_.id + " as pid " + std::to_string(pid));
  handle(WrapperEvent::Started);
}

// Records the task's tree in <task dir>/tree when it holds a process the
// last record (and the state's main pid) does not: one that was reparented
// to us, like a daemon whose parent just exited. Processes that only ended
// need no write: a dead pid is told from a reused one by its start time.
// Called when a child of ours ended, which is when the tree changes shape.
void Wrapper::record_tree() {
  std::vector<ProcId> live;
  bool news = false;
  // Not the wrapper's own helpers (log compression, checks, commands).
  for (const ProcStat& p : without_subtrees(live_descendants(::getpid()), helper_pids())) {
    ProcId id{p.pid, p.start_ticks};
    live.push_back(id);
    bool known = (p.pid == state_.pid && p.start_ticks == state_.pid_start_ticks) ||
                 std::find(tree_.begin(), tree_.end(), id) != tree_.end();
    news = news || !known;
  }
  if (!news) return;
  tree_ = live;
  TreeRecord t{state_.boot_id, state_.run_id, live};
  std::string err;
  if (!write_file_atomic(path(task_files::kTree), serialize_tree(t), &err, Durability::Volatile))
    log("cannot record the task's processes: " + err);
}

// Reaps every exited child, then reports once: the main process's exit, one
// ChildReaped for any others (one /proc re-sweep per wake-up, not per child),
// and NoChildren when nothing of the task is left.
void Wrapper::reap() {
  // A run's end, the restart policy's decision and a restart without delay
  // are recorded in one state write, after the fork of the new run (each
  // write is a new inode: the respawn's latency), then their events.
  HeldWrites hold(this);
  bool others = false, any = false;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      any = true;
      if (pid == state_.pid) {
        check_oom_kills();
        state_.main_exited = true;
        if (WIFEXITED(status)) state_.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) state_.exit_signal = WTERMSIG(status);
        machine_.set_main_exit(state_.exit_code, state_.exit_signal);
        handle(WrapperEvent::MainExited);
      } else {
        if (!others) check_oom_kills();
        others = true;
      }
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0 && errno == ECHILD) {
      handle(WrapperEvent::NoChildren);
    } else {
      if (others) handle(WrapperEvent::ChildReaped);  // children remain
      if (any && !done_) record_tree();
    }
    return;
  }
}

void Wrapper::note_stop_cause(EndCause cause) {
  // The first stop or kill asked for decides; a kill after a stop does not
  // change who wanted the task to end.
  std::string request = machine_.stop_request();
  if (request != "stop" && request != "kill") stop_cause_ = cause;
}

void Wrapper::read_signals() {
  struct signalfd_siginfo si;
  bool child = false;
  while (::read(signal_fd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGCHLD) {
      child = true;
    } else if (si.ssi_signo == SIGWINCH) {
      relay_.resize();
    } else if (si.ssi_signo == SIGUSR1) {
      log("received SIGUSR1: killing the task");
      note_stop_cause(EndCause::User);  // spmi kill of a Slurm job (backends/slurm_end.cc)
      handle(WrapperEvent::KillRequested);
    } else {
      std::string sig = signal_name(static_cast<int>(si.ssi_signo));
      log("received " + sig + ": stopping the task");
      if (machine_.phase() == Phase::Running || machine_.phase() == Phase::Draining)
        state_.note = si.ssi_signo == SIGHUP && terminal_ ? "stopped because its window was closed (SIGHUP)"
                      : opts_.slurm && si.ssi_signo == SIGTERM
                          ? "stopped by SIGTERM from Slurm (spmi stop, scancel, or the job's time limit)"
                          : "stopped because the wrapper received " + sig;
      note_stop_cause(EndCause::Signal);
      handle(WrapperEvent::StopRequested);
    }
  }
  if (child) reap();
}

void Wrapper::read_control() {
  char buf[64];
  ssize_t n;
  while ((n = ::read(control_fd_.get(), buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n && !done_; ++i) {
      ControlRequest request;
      if (!control_request_from_byte(buf[i], &request)) continue;  // not a request: ignored
      switch (request) {
        case ControlRequest::Stop:
          log("stop requested");
          note_stop_cause(EndCause::User);
          handle(WrapperEvent::StopRequested);
          break;
        case ControlRequest::Kill:
          log("kill requested");
          note_stop_cause(EndCause::User);
          handle(WrapperEvent::KillRequested);
          break;
        case ControlRequest::Restart:
          log("restart requested");
          handle(WrapperEvent::RestartRequested);
          break;
        case ControlRequest::Reload:
          log("reload requested");
          handle(WrapperEvent::ReloadRequested);
          break;
        case ControlRequest::ClearLogs:
          log("clearing the logs");
          out_log_.clear();
          if (!spec_.mixed_stdout) err_log_.clear();
          break;
      }
    }
  }
}

void Wrapper::loop() {
  // A child that exited before the signalfd was read is found here.
  reap();
  while (!done_) {
    int timeout = -1;  // no wake-ups while nothing is pending
    if (int64_t at = timers_.earliest({features_.deadline(), reload_cmd_.deadline_ms()}); at >= 0)
      timeout = static_cast<int>(std::min<int64_t>(std::max<int64_t>(0, at - monotonic_ms()), 1 << 30));
    // The core's descriptors in named slots, then the logs', the feature
    // set's and the terminal relay's, each from its recorded start.
    enum CoreSlot : size_t { kSignals, kControl };
    std::vector<struct pollfd> fds = {{signal_fd_.get(), POLLIN, 0}, {control_fd_.get(), POLLIN, 0}};
    size_t helpers_at = fds.size();
    add_helper_pollfds(&fds);
    size_t logs_at = fds.size();
    add_log_pollfds(&fds);
    std::vector<struct pollfd> relay_fds;
    size_t features_at = fds.size();
    features_.add_pollfds(&fds);
    size_t relay_at = fds.size();
    if (terminal_) relay_.add_pollfds(&fds);
    // Nothing pending and nothing ready: the idle core keeps the task
    // (wrapper_idle.cc). hibernate() returns only when it cannot.
    int n = -1;
    if (timeout < 0 && can_hibernate() && (n = ::poll(fds.data(), fds.size(), 0)) == 0) hibernate();
    if (n <= 0) {
      // About to sleep for a while after something changed: give back what
      // the change touched (idle_memory.h).
      if (state_saves_ != released_at_save_ && (timeout < 0 || timeout >= 1000)) {
        release_idle_memory();
        released_at_save_ = state_saves_;
      }
      n = ::poll(fds.data(), fds.size(), timeout);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      log("poll: " + errno_text(errno));
      ::sleep(1);
      continue;
    }
    if (terminal_) {
      // Copy output first, so it is in the logs before the exit is recorded.
      relay_fds.assign(fds.begin() + static_cast<std::ptrdiff_t>(relay_at), fds.end());
      relay_.handle(relay_fds);
    }
    handle_logs(fds, logs_at);
    if (fds[kSignals].revents & POLLIN) read_signals();
    if (!done_ && (fds[kControl].revents & POLLIN)) read_control();
    if (!done_) features_.handle(fds, features_at);
    if (!done_) handle_helpers(fds, helpers_at);
    if (done_) break;
    int64_t now = monotonic_ms();
    if (timers_.busy_log.due(now)) timers_.busy_log.disarm();  // quiet again: the idle core may take over
    if (timers_.min_uptime.due(now)) reached_min_uptime();
    if (timers_.restart.due(now)) {
      timers_.restart.disarm();
      handle(WrapperEvent::BackoffElapsed);
    } else if (timers_.stop_deadline.due(now)) {
      log("stop timeout of " + std::to_string(spec_.stop_timeout_ms) + "ms reached: killing");
      timers_.stop_deadline.disarm();
      handle(WrapperEvent::Deadline);
    } else if (timers_.sweep.timer.due(now)) {
      // Killing re-sweeps the tree (sweep_after).
      timers_.sweep.swept(now);
      handle(WrapperEvent::Tick);
      reap();
    }
  }
}

// Replaces this process's environment with the NUL-separated one in `path`
// (written by spmi start, mode 0600) and deletes the file. What the
// multiplexer set for its window (TERM, TMUX, TMUX_PANE, STY, WINDOW) is kept.
static bool load_env_file(const std::string& path, std::string* err) {
  std::string text;
  bool ok = read_state_file(path, &text, err);
  ::unlink(path.c_str());
  if (!ok) return false;
  std::vector<std::pair<std::string, std::string>> keep;
  for (const char* name : {"TERM", "TMUX", "TMUX_PANE", "STY", "WINDOW"})
    if (const char* v = std::getenv(name)) keep.emplace_back(name, v);
  ::clearenv();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\0', pos);
    if (end == std::string::npos) end = text.size();
    std::string entry = text.substr(pos, end - pos);
    size_t eq = entry.find('=');
    if (eq != std::string::npos && eq > 0) ::setenv(entry.substr(0, eq).c_str(), entry.c_str() + eq + 1, 1);
    pos = end + 1;
  }
  for (const auto& [k, v] : keep) ::setenv(k.c_str(), v.c_str(), 1);
  return true;
}

static std::string make_run_id() {
  unsigned char bytes[8] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    int64_t t = now_ms() ^ (static_cast<int64_t>(::getpid()) << 32);
    std::memcpy(bytes, &t, sizeof bytes);
  }
  char out[17];
  for (int i = 0; i < 8; ++i) std::snprintf(out + 2 * i, 3, "%02x", bytes[i]);
  return out;
}

int Wrapper::run() {
  if (opts_.resume_fd >= 0) {
    // Back from the idle core (wrapper_idle.cc): the task runs on.
    std::string err;
    if (!resume(&err)) {
      log("cannot resume from the idle core: " + err);
      return 1;
    }
    return live();
  }
  // Diagnostics of the wrapper itself go to wrapper.log in the task directory.
  log_fd_.reset(::open(path(task_files::kWrapperLog).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  // Launched into a terminal (a screen or tmux window): relay the task
  // through a pty. Otherwise stdio is not ours to use.
  terminal_ = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  if (!terminal_) {
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
      for (int fd = 0; fd <= 2; ++fd) ::dup2(devnull, fd);
      ::close(devnull);
    }
  }
  if (opts_.report_fd >= 0) ::fcntl(opts_.report_fd, F_SETFD, FD_CLOEXEC);

  bool busy = false;
  std::string err;
  if (opts_.slurm) {
    // The spmi that submitted this job holds cli.lock until it has recorded
    // the job id; wait for it so the queued state never replaces ours.
    Fd cli = wait_lock_file(path(task_files::kCliLock), 60000, &busy, &err);
    if (!cli.valid() && busy)
      log("did not get " + path(task_files::kCliLock) + " within 60s (" + err + "); starting anyway");
  }
  // Liveness: the lock is held for the wrapper's whole life.
  lock_fd_ = try_lock_file(path(task_files::kLock), true, &busy, &err);
  if (!lock_fd_.valid()) {
    std::string why = busy ? "another wrapper is already running this task (its lock is held)" : err;
    log(why);
    report("error " + why);
    return busy ? 3 : 1;
  }
  set_clone_child_closes(lock_fd_.get());

  if (!opts_.env_file.empty() && !load_env_file(opts_.env_file, &err)) {
    state_.run_id = make_run_id();
    return fail_start("cannot read the environment for the task: " + err);
  }
  state_.run_id = make_run_id();
  state_.wrapper_pid = ::getpid();
  state_.wrapper_start_ticks = proc_start_ticks(::getpid());
  state_.started_at_ms = now_ms();
  if (!prepare(&err)) return fail_start(err);
  if (!make_cgroup(&err)) return fail_start(err);
  state_.backend = spec_.backend;
  // The backend id is what the multiplexer or Slurm tells us, never a guess.
  const char* given = opts_.id_variable ? std::getenv(opts_.id_variable) : nullptr;
  state_.backend_id = given && *given ? given : std::to_string(::getpid());
  state_.host = host_name();
  state_.boot_id = boot_id();
  // What is not recorded cannot be managed (a full disk once left a task
  // running that `list` showed as up since 1970): no state, no start.
  if (!save_state()) return fail_start("cannot record the task's state: " + state_error_);

  if (features_.scheduled() && spec_.schedule.action == ScheduleAction::Run) {
    // A scheduled task waits for its first fire; "ok 0" = no process yet.
    handle(WrapperEvent::Armed);
    report("ok 0");
  } else {
    start_run();
    if (machine_.phase() == Phase::FailedToStart) {
      release_task();
      report("error " + state_.error);
      return 1;
    }
    if (!state_error_.empty()) {
      // The run started but could not be recorded: end it rather than
      // leave a process nobody can see.
      std::string why = "cannot record the task's state: " + state_error_;
      log(why + "; killing the task");
      signal_tree(SIGKILL);
      while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
      }
      release_task();
      report("error " + why);
      return 1;
    }
    report("ok " + std::to_string(state_.pid));
  }
  // Give back the heap pages start-up touched: the wrapper now idles for
  // the task's whole life, and its resident memory is paid per task.
  ::malloc_trim(0);
  return live();
}

int Wrapper::live() {
  loop();
  if (terminal_) relay_.restore_window();
  finish_logs();
  release_task();
  std::string how = state_.exit_signal ? "signal " + signal_name(state_.exit_signal)
                                       : "exit code " + std::to_string(state_.exit_code);
  log("task ended (main process: " + how + ")");
  features_.after_end();
  return 0;
}

void send_report(WrapperOptions* opts, const std::string& line) {
  if (!opts->report_fifo.empty()) {
    // The starting spmi holds the FIFO open for reading; ENXIO means it gave up.
    opts->report_fd = ::open(opts->report_fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    opts->report_fifo.clear();
  }
  if (opts->report_fd < 0) return;
  write_all(opts->report_fd, line + "\n");
  ::close(opts->report_fd);
  opts->report_fd = -1;
}

int run_wrapper(const WrapperOptions& opts, WrapperFeatures& features) {
  Wrapper w(opts, features);
  return w.run();
}

}  // namespace spmi
