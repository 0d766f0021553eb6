// spmi connect <id> [--follow]: attach the terminal to a running task.
//
// screen and tmux: attaches to the task's window (screen -r / tmux attach on
// spmi's socket); the multiplexer's detach key returns to the shell.
// Native backend, and --follow on any backend: shows the last lines of the
// task's output, then follows its output files as they grow and (native,
// without --follow) forwards what the user types to the task's stdin FIFO.
// Ctrl-D (end of input) or Ctrl-C detaches; the task keeps running. No lock
// is held, so other commands are never blocked.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "backends/registry.h"
#include "cli/commands.h"
#include "cli/view_format.h"
#include "common/atomic_file.h"
#include "common/lock_file.h"
#include "common/process_tree.h"
#include "common/safe_file.h"
#include "store/log_reader.h"

namespace spmi {

namespace {

struct ConnectOptions {
  std::string id;
  bool follow = false;
};

// One output file being followed from `offset` to wherever it grows, as raw
// bytes (a prompt without newline shows at once). The file stays open: when
// the wrapper rotates it (a new file at the path), the old one is read to
// its end before the new one is followed from its start.
struct Followed {
  std::string path;
  int out_fd = STDOUT_FILENO;
  off_t offset = 0;
  Fd fd;
  ino_t inode = 0;
};

void copy_rest(Followed& f) {
  struct stat st;
  if (!f.fd.valid() || ::fstat(f.fd.get(), &st) != 0) return;
  if (st.st_size < f.offset) f.offset = 0;  // truncated (logs --clear): start over
  char buf[65536];
  while (f.offset < st.st_size) {
    ssize_t n = ::pread(f.fd.get(), buf, sizeof buf, f.offset);
    if (n <= 0) break;
    write_all(f.out_fd, std::string_view(buf, static_cast<size_t>(n)));
    f.offset += n;
  }
}

void drain(Followed& f) {
  copy_rest(f);
  struct stat st;
  if (::stat(f.path.c_str(), &st) != 0 || (f.fd.valid() && st.st_ino == f.inode)) return;
  // First look, or rotated: follow the file now at the path. What the
  // writer added to the old file between the copy above and its rename
  // (the rest of its last line) comes first.
  copy_rest(f);
  bool first = !f.fd.valid();
  f.fd = open_log_for_reading(f.path);
  if (!f.fd.valid() || ::fstat(f.fd.get(), &st) != 0) return;
  f.inode = st.st_ino;
  if (!first) f.offset = 0;
  copy_rest(f);
}

int run_connect(Context& ctx, const ConnectOptions& opts) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, {opts.id}, &ids, &unmatched, &code)) return code;
  if (ids.empty()) return kExitNoMatch;
  if (ids.size() > 1) {
    std::string all;
    for (const auto& i : ids) all += " " + i;
    print_error("'" + opts.id + "' matches " + std::to_string(ids.size()) + " tasks:" + all +
                "; connect needs exactly one");
    return kExitUsage;
  }
  const std::string& id = ids[0];
  TaskView v = inspect_task(ctx.store, id, false);
  if (v.condition != TaskCondition::Active) {
    print_error(id + ": not active (" + std::string(condition_name(v.condition)) + "); nothing to connect to");
    return kExitFailure;
  }
  if (v.queued()) {
    print_error(id + ": " + (v.backend_status.empty() ? "its Slurm job has not started" : v.backend_status) +
                "; nothing to connect to yet");
    return kExitFailure;
  }
  bool forward = !opts.follow;
  const Backend* backend = find_backend(v.spec.backend);
  if (!backend) {
    print_error(id + ": unknown backend type '" + v.spec.backend + "'");
    return kExitFailure;
  }
  // Set by a backend that runs `spmi connect` on the task's host itself
  // (Slurm's srun, whose stdin is a terminal only with --pty).
  const bool on_node = ran_on_node();
  const bool via_backend = backend->attaches(v);
  if (forward && !::isatty(STDIN_FILENO) && !on_node) {
    print_error("standard input is not a terminal; use 'spmi connect --follow " + id + "' to watch the output only");
    return kExitUsage;
  }
  if (forward && via_backend) {
    // screen and tmux: attach to the task's own window; slurm: srun on its node.
    std::fprintf(stderr, "spmi: %s\n", backend->attach_banner(v).c_str());
    std::string err;
    int rc = backend->attach(v, &err);
    if (rc < 0) {
      print_error(id + ": " + err);
      return kExitFailure;
    }
    if (rc != 0) {
      print_error(id + ": " + v.spec.backend + " could not attach (exit code " + std::to_string(rc) + ")");
      return kExitFailure;
    }
    return kExitOk;
  }

  // On another host the wrapper's pid means nothing here: its lock says
  // when it ends (probed every second).
  Fd pidfd(v.remote ? -1 : open_pidfd(v.state.wrapper_pid, v.state.wrapper_start_ticks));
  const std::string lock_path = ctx.store.task_file(id, task_files::kLock);
  Fd fifo;
  if (forward) {
    fifo.reset(::open((v.dir + "/" + task_files::kStdin).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fifo.valid()) {
      print_error(id + ": cannot open its stdin (" + errno_text(errno) + "); following output only");
      forward = false;
    } else {
      ::fcntl(fifo.get(), F_SETFL, ::fcntl(fifo.get(), F_GETFL) & ~O_NONBLOCK);
    }
  }

  std::vector<Followed> files(v.spec.mixed_stdout ? 1 : 2);
  files[0].path = stdout_path(v);
  files[0].out_fd = STDOUT_FILENO;
  if (!v.spec.mixed_stdout) {
    files[1].path = stderr_path(v);
    files[1].out_fd = STDERR_FILENO;
  }
  Fd inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  for (auto& f : files) {
    // The directory, not the file: a rotated log is a new file. Watched
    // before the file is opened, so no write after the open goes unseen.
    if (inotify.valid())
      ::inotify_add_watch(inotify.get(), dir_name(f.path).c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO);
    f.fd = open_log_for_reading(f.path);
    struct stat st;
    if (f.fd.valid() && ::fstat(f.fd.get(), &st) == 0) {
      f.inode = st.st_ino;
      // Output's last 10 lines come from the same descriptor, through the
      // same copy as what follows: a line being written is neither cut in
      // two nor shown twice. Error output starts at its end.
      f.offset = f.out_fd == STDOUT_FILENO ? complete_lines_start(f.fd.get(), st.st_size, 10) : st.st_size;
      if (f.out_fd == STDOUT_FILENO) copy_rest(f);
    }
  }
  std::fprintf(stderr, "spmi: connected to %s (%s): %s\n", id.c_str(),
               forward ? backend->local_connect_label().c_str() : "following its logs",
               forward ? "its output follows and your input goes to its stdin; Ctrl-D or Ctrl-C detaches"
                       : "its output follows; Ctrl-C stops following");

  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  Fd sigfd(::signalfd(-1, &set, SFD_CLOEXEC));

  for (;;) {
    struct pollfd fds[4] = {{inotify.get(), POLLIN, 0},
                            {forward ? STDIN_FILENO : -1, POLLIN, 0},
                            {pidfd.get(), POLLIN, 0},
                            {sigfd.get(), POLLIN, 0}};
    // Without inotify, fall back to looking every 200 ms; inotify does not
    // see another node's writes on a network file system: every second.
    int n = ::poll(fds, 4, !inotify.valid() ? 200 : v.remote ? 1000 : -1);
    if (n < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      char buf[4096];
      while (::read(inotify.get(), buf, sizeof buf) > 0) {
      }
    }
    for (auto& f : files) drain(f);
    if (fds[3].revents & POLLIN) {
      std::fprintf(stderr, "\nspmi: detached from %s; it keeps running\n", id.c_str());
      return kExitOk;
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      char buf[4096];
      ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
      if (got <= 0) {
        std::fprintf(stderr, "spmi: detached from %s; it keeps running\n", id.c_str());
        return kExitOk;
      }
      if (!write_all(fifo.get(), std::string_view(buf, static_cast<size_t>(got)))) {
        print_error(id + ": its stdin is closed (" + errno_text(errno) + "); following output only");
        forward = false;
      }
    }
    if ((fds[2].revents & POLLIN) || (!pidfd.valid() && n == 0 && probe_lock_file(lock_path) != LockProbe::Held)) {
      for (auto& f : files) drain(f);
      std::fprintf(stderr, "spmi: %s has ended\n", id.c_str());
      return kExitOk;
    }
  }
  return kExitSystem;
}

}  // namespace

Command add_connect_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ConnectOptions>();
  CLI::App* sub = app.add_subcommand("connect", "Attach the terminal to a running task (output and input)");
  sub->add_option("id", opts->id, "The task (a pattern that must match exactly one task)")->required();
  sub->add_flag("--follow", opts->follow, "Only follow the output; never read standard input");
  return {sub, [&ctx, opts] { return run_connect(ctx, *opts); }};
}

}  // namespace spmi
