// The wrapper's idle core: when nothing is pending, the default wrapper
// execs spmi-idle in its own process (idle_core/idle_protocol.h), which
// keeps the task's descriptors and sleeps with about 20 kB resident instead
// of the wrapper's 1 MB; on any event the core execs the wrapper back, which
// restores itself from the resume record (resume_record.h) and handles the
// event as if it had never left.
//
// What stays true across the two execs: the pid (and its start time, which
// spmi checks), the children (the task), the lock (an flock on an open
// file), the signal mask and the pending signals (the signalfd's), the
// child-subreaper flag, the environment (the task's). What is rebuilt: the
// spec and the state (from the record, not from disk: a spec file replaced
// meanwhile applies on the next start, as when awake), the machine's
// counters, the log writers (set up again on the same files).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/fd.h"
#include "common/identity.h"
#include "common/proc.h"
#include "common/task_spec.h"
#include "common/task_state.h"
#include "wrappers/clone_child.h"
#include "wrappers/idle_core/idle_protocol.h"
#include "wrappers/resume_record.h"
#include "wrappers/wrapper.h"

namespace spmi {

namespace {

// FD_CLOEXEC is the only descriptor flag: set without reading it first.
void set_cloexec(int fd, bool on) {
  if (fd >= 0) ::fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

// spmi-idle next to this executable (the build tree, or libexec/spmi).
std::string idle_core_path() {
  std::string self = own_executable();
  if (self.empty()) return "";
  std::string path = dir_name(self) + "/" + idle::kExecutable;
  return ::access(path.c_str(), X_OK) == 0 ? path : "";
}

}  // namespace

bool Wrapper::can_hibernate() const {
  return !idle_core_off_ && features_.can_idle() && !terminal_ && !opts_.slurm && state_error_.empty() &&
         machine_.phase() == Phase::Running && !machine_.wants_ticks() &&
         timers_.earliest({features_.deadline(), reload_cmd_.deadline_ms()}) < 0 && !stop_cmd_.running() &&
         !reload_cmd_.running() && !compress_.running() && compress_queue_.empty();
}

void Wrapper::hibernate() {
  ResumeRecord r;
  LogWriter::Handoff out, err;
  if ((out_read_.valid() && !out_log_.handoff(&out)) || (err_read_.valid() && !err_log_.handoff(&err)))
    return;  // a writer must act (an error, timestamps): stay awake while it matters
  std::string core = idle_core_path();
  if (core.empty()) {
    idle_core_off_ = true;  // not installed: the wrapper stays awake, as before it existed
    return;
  }
  r.spec = serialize_spec(spec_);
  r.state = serialize_state(state_);
  if (identity_.changes_user() || identity_.changes_group()) r.identity = serialize_identity(identity_);
  r.env = child_env_;
  r.machine = machine_.snapshot();
  r.oom_kills = oom_kills_;
  r.out_sequence = out_log_.sequence();
  r.err_sequence = err_log_.sequence();
  r.out_dropped = out_log_.dropped();
  r.err_dropped = err_log_.dropped();
  r.lock_fd = lock_fd_.get();
  r.signal_fd = signal_fd_.get();
  r.control_fd = control_fd_.get();
  r.events_fd = events_fd_.get();
  r.log_fd = log_fd_.get();
  r.out_read = out_read_.get();
  r.err_read = err_read_.get();
  // The executable to come back to, as a descriptor: an upgrade that
  // replaces the file meanwhile does not change which wrapper resumes.
  Fd exe(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
  Fd record(::memfd_create("spmi-resume", MFD_CLOEXEC));
  if (!exe.valid() || !record.valid()) {
    log(std::string("cannot hand the task to the idle core: ") + std::strerror(errno) + "; staying awake");
    idle_core_off_ = true;
    return;
  }
  r.out_dir = out_log_.dir_fd();
  r.out_file = out_log_.file_fd();
  r.err_dir = err_log_.dir_fd();
  r.err_file = err_log_.file_fd();
  r.close_fds.push_back(exe.get());
  if (!write_all(record.get(), serialize_resume(r))) {
    log(std::string("cannot write the resume record: ") + std::strerror(errno) + "; staying awake");
    idle_core_off_ = true;
    return;
  }

  // argv[0] stays "spmi-wrapper" and the task directory stays last, so ps
  // and pgrep -f see the same wrapper before and after (comm says spmi-idle).
  std::vector<std::string> args = {"spmi-wrapper", idle::kProtocol, std::to_string(exe.get())};
  if (log_fd_.valid()) args.insert(args.end(), {"-l", std::to_string(log_fd_.get())});
  for (int fd : {signal_fd_.get(), control_fd_.get()}) args.insert(args.end(), {"-w", std::to_string(fd)});
  auto splice_arg = [](int pipe, const LogWriter::Handoff& h) {
    return std::to_string(pipe) + "," + std::to_string(h.fd) + "," + std::to_string(h.offset) + "," +
           std::to_string(h.limit) + "," + std::to_string(h.deadline_ms);
  };
  if (out_read_.valid()) args.insert(args.end(), {"-s", splice_arg(out_read_.get(), out)});
  if (err_read_.valid()) args.insert(args.end(), {"-s", splice_arg(err_read_.get(), err)});
  args.insert(args.end(), {"--", "spmi-wrapper", idle::kResumeFlag, std::to_string(record.get()), opts_.task_dir});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<int> kept = {lock_fd_.get(),  signal_fd_.get(), control_fd_.get(), events_fd_.get(), log_fd_.get(),
                           out_read_.get(), err_read_.get(),  r.out_dir,         r.out_file,       r.err_dir,
                           r.err_file,      exe.get(),        record.get()};
  for (int fd : kept) set_cloexec(fd, false);
  ::execv(core.c_str(), argv.data());
  int e = errno;
  for (int fd : kept) set_cloexec(fd, true);
  log("cannot exec the idle core " + core + ": " + std::strerror(e) + "; staying awake");
  idle_core_off_ = true;
}

bool Wrapper::resume(std::string* err) {
  std::string text;
  Fd record(opts_.resume_fd);
  ResumeRecord r;
  if (::lseek(record.get(), 0, SEEK_SET) != 0 || !read_all(record.get(), &text)) {
    *err = std::string("cannot read the resume record: ") + std::strerror(errno);
    return false;
  }
  record.reset();
  if (!parse_resume(text, &r, err)) return false;
  for (int fd : r.close_fds) ::close(fd);
  // The descriptors first: whatever fails below, the wrapper holds them.
  lock_fd_.reset(r.lock_fd);
  signal_fd_.reset(r.signal_fd);
  control_fd_.reset(r.control_fd);
  events_fd_.reset(r.events_fd);
  log_fd_.reset(r.log_fd);
  out_read_.reset(r.out_read);
  err_read_.reset(r.err_read);
  for (int fd : {r.lock_fd, r.signal_fd, r.control_fd, r.events_fd, r.log_fd, r.out_read, r.err_read})
    set_cloexec(fd, true);
  set_clone_child_closes(lock_fd_.get());
  idle_core_off_ = opts_.stay_awake;
  if (opts_.stay_awake) log("the idle core could not run: the wrapper stays awake");

  if (!parse_spec(r.spec, &spec_, err) || !parse_state(r.state, &state_, err)) {
    *err = "the resume record: " + *err;
    return false;
  }
  if (!r.identity.empty() && !parse_identity(r.identity, &identity_, err)) {
    *err = "the resume record's identity: " + *err;
    return false;
  }
  set_child_env(std::move(r.env));
  make_machine();
  machine_.resume_running(r.machine);
  oom_kills_ = r.oom_kills;
  // Kept by exec, set again in case a kernel does not.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // The writers on the directories and files they had: a file is never
  // looked up by path again (LogWriter's "safety").
  auto adopt = [&](LogWriter& w, const std::string& path, int dir, int file, int sequence, int64_t dropped) {
    set_cloexec(dir, true);
    set_cloexec(file, true);
    w.adopt(path, spec_.logs, now_ms, Fd(dir), Fd(file), sequence, dropped);
  };
  adopt(out_log_, spec_.stdout_log(opts_.task_dir), r.out_dir, r.out_file, r.out_sequence, r.out_dropped);
  if (!spec_.mixed_stdout)
    adopt(err_log_, spec_.stderr_log(opts_.task_dir), r.err_dir, r.err_file, r.err_sequence, r.err_dropped);
  rotations_seen_ = log_rotations();  // a rotation from here on keeps the wrapper awake a while
  if (!state_.cgroups.empty()) set_cgroup_join();
  err->clear();
  return true;
}

}  // namespace spmi
