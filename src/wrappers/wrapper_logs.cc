// The wrapper's side of logging: the native run's output pipes, copying them
// into the LogWriters, compressing rotated files in the background, and
// reporting write failures in the state file (throttled: a failing disk
// must not turn into a storm of state writes).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/clock.h"
#include "wrappers/wrapper.h"

namespace spmi {

namespace {

// The pipe size asked for: fewer wake-ups for a task that writes a lot.
constexpr int kPipeSize = 1 << 20;
// While a log keeps failing, the dropped-byte count reaches the state file
// at most this often.
constexpr int64_t kLogStateEveryMs = 2000;

bool make_pipe(Fd* read_end, Fd* write_end, std::string* err) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    *err = "cannot create an output pipe: " + errno_text(errno);
    return false;
  }
  ::fcntl(p[0], F_SETPIPE_SZ, kPipeSize);  // best effort
  ::fcntl(p[0], F_SETFL, O_NONBLOCK);      // the task's end stays blocking
  read_end->reset(p[0]);
  write_end->reset(p[1]);
  return true;
}

}  // namespace

bool Wrapper::open_output_pipes(std::string* err) {
  if (!make_pipe(&out_read_, &out_write_, err)) return false;
  if (spec_.mixed_stdout) return true;
  return make_pipe(&err_read_, &err_write_, err);
}

void Wrapper::add_log_pollfds(std::vector<struct pollfd>* fds) {
  fds->push_back({out_read_.valid() ? out_read_.get() : -1, POLLIN, 0});
  fds->push_back({err_read_.valid() ? err_read_.get() : -1, POLLIN, 0});
  fds->push_back({compress_.running() ? compress_.pidfd() : -1, POLLIN, 0});
}

void Wrapper::handle_logs(const std::vector<struct pollfd>& fds, size_t first) {
  const short ready = POLLIN | POLLHUP | POLLERR;
  if (fds[first].fd >= 0 && (fds[first].revents & ready) && !out_log_.drain_pipe(out_read_.get()))
    out_read_.reset();
  if (fds[first + 1].fd >= 0 && (fds[first + 1].revents & ready) && !err_log_.drain_pipe(err_read_.get()))
    err_read_.reset();
  if (fds[first + 2].fd >= 0 && (fds[first + 2].revents & ready)) {
    std::string err;
    if (!compress_.finish(&err)) log(err);
    out_log_.prune();
    err_log_.prune();
  }
  after_log_writes();
}

void Wrapper::drain_output() {
  if (terminal_) relay_.drain(1000);
  // Every writer is gone, so each pipe ends; poll keeps this bounded even
  // if some process we do not know of still holds one open.
  for (int round = 0; round < 1000 && (out_read_.valid() || err_read_.valid()); ++round) {
    struct pollfd p[2] = {{out_read_.valid() ? out_read_.get() : -1, POLLIN, 0},
                          {err_read_.valid() ? err_read_.get() : -1, POLLIN, 0}};
    if (::poll(p, 2, round == 0 ? 0 : 100) <= 0) break;
    if (p[0].revents && !out_log_.drain_pipe(out_read_.get())) out_read_.reset();
    if (p[1].revents && !err_log_.drain_pipe(err_read_.get())) err_read_.reset();
  }
  out_read_.reset();
  err_read_.reset();
  after_log_writes();
}

void Wrapper::collect_compress_work() {
  for (LogWriter* w : {&out_log_, &err_log_})
    for (auto& f : w->take_compress_work()) compress_queue_.push_back(std::move(f));
}

void Wrapper::after_log_writes() {
  if (int rotations = log_rotations(); rotations != rotations_seen_) {
    rotations_seen_ = rotations;
    timers_.busy_log.arm(monotonic_ms() + WrapperTimers::kBusyLogAwakeMs);  // see timers.h
  }
  collect_compress_work();
  if (!compress_queue_.empty() && !compress_.running()) {
    std::string err;
    if (compress_.start(compress_queue_, &err)) compress_queue_.clear();
    else log("cannot compress rotated logs: " + err);
  }
  bool out_changed = out_log_.changed(), err_changed = err_log_.changed();
  if (!out_changed && !err_changed) return;
  std::string error = !out_log_.error().empty() ? out_log_.error() : err_log_.error();
  int64_t dropped = out_log_.dropped() + err_log_.dropped();
  int64_t now = monotonic_ms();
  bool news = error != state_.log_error;
  if (!news && now - log_state_saved_ms_ < kLogStateEveryMs) return;
  if (news && !error.empty()) log("logging: " + error);
  if (news && error.empty()) log("logging works again");
  state_.log_error = error;
  state_.log_dropped_bytes = dropped;
  log_state_saved_ms_ = now;
  save_state();
}

void Wrapper::finish_logs() {
  state_.log_error = !out_log_.error().empty() ? out_log_.error() : err_log_.error();
  state_.log_dropped_bytes = out_log_.dropped() + err_log_.dropped();
  save_state();
  // Compressions finish on their own (they are not part of the task, and
  // outlive the wrapper): what is still queued gets a job of its own now.
  collect_compress_work();
  if (!compress_queue_.empty()) {
    CompressJob last;
    std::string err;
    if (!last.start(compress_queue_, &err)) log("cannot compress rotated logs: " + err);
  }
}

}  // namespace spmi
