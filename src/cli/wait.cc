// The waiting loop behind `spmi wait`: re-inspects the tasks whenever one of
// their state files is replaced (inotify on the task directories), and at
// least every 250 ms, since a wrapper that dies without a word changes no
// file. Read-only, like list and status.
#include "cli/wait.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>

#include <CLI/CLI.hpp>

#include "cli/results.h"
#include "store/task_view.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/fd.h"
#include "common/names.h"
#include "common/signals.h"

namespace spmi {

namespace {

// A run without a readiness signal (no ready_fd, no health check) is ready
// as soon as it runs; before saying so, the wait makes sure it is still up
// this long after it started, so that a command that dies at once (a
// typo, exit 127, a crash loop) is a failure and not "ready".
constexpr int64_t kSettleMs = 200;

// The run a wait saw reach its target.
struct SeenRun {
  std::string run_id;
  pid_t pid = 0;
  unsigned long long ticks = 0;
  int restarts = 0;
  int64_t started_at_ms = 0;
  bool signalled = false;  // ready_fd, a health check or min_uptime said so
};

// Confirms that the run seen is still the task's and still up; otherwise
// says how it ended.
bool still_up(const Context& ctx, const std::string& id, WaitTarget target, const SeenRun& seen, std::string* why) {
  if (target == WaitTarget::Exited || seen.pid <= 0) return true;  // armed schedules: nothing to confirm
  if (!seen.signalled) {
    int64_t settle = seen.started_at_ms + kSettleMs - now_ms();
    if (settle > 0) ::usleep(static_cast<useconds_t>(std::min<int64_t>(settle, kSettleMs) * 1000));
  }
  TaskView v = inspect_task(ctx.store, id, false);
  const TaskState& st = v.state;
  bool same = v.condition == TaskCondition::Active && st.run_id == seen.run_id && st.pid == seen.pid &&
              st.restarts == seen.restarts && (st.phase == Phase::Running || st.phase == Phase::Draining);
  if (same) return true;
  std::string how = !st.main_exited || st.pid != seen.pid ? "" : st.exit_signal ? " (killed by " + signal_name(st.exit_signal) + ")"
                                                                                 : " (exit code " + std::to_string(st.exit_code) + ")";
  *why = "it was " + std::string(wait_target_name(target)) + ", but that run ended" + how + " at once" +
         (st.restarts > seen.restarts ? " and was restarted " + std::to_string(st.restarts - seen.restarts) + " time(s)"
                                      : "") +
         "; see 'spmi status " + id + "'";
  return false;
}

}  // namespace

nlohmann::json wait_to_json(const TaskWait& w) {
  return {{"reached", w.reached},
          {"timed_out", w.timed_out},
          {"after_seconds", static_cast<double>(w.after_ms) / 1000.0},
          {"why", w.reached ? nlohmann::json(nullptr) : nlohmann::json(w.why)}};
}

int wait_for_tasks(const Context& ctx, const std::vector<std::string>& ids, WaitTarget target, int64_t timeout_ms,
                   std::vector<TaskWait>* results) {
  const int64_t start = monotonic_ms();
  auto note = [&](const std::string& id, bool reached, bool timed_out, const std::string& why) {
    if (results) results->push_back({id, reached, timed_out, monotonic_ms() - start, why});
  };
  Fd watch(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (watch.valid())
    for (const auto& id : ids)
      ::inotify_add_watch(watch.get(), ctx.store.task_dir(id).c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  std::vector<std::string> pending = ids;
  std::vector<std::string> why(ids.size());
  int64_t next_progress = start + 1000;
  bool failed = false;
  for (;;) {
    std::vector<std::string> still;
    for (const auto& id : pending) {
      std::string reason;
      TaskView v = inspect_task(ctx.store, id, false);
      switch (assess_task(v, target, &reason)) {
        case WaitOutcome::Reached: {
          SeenRun seen;
          if (v.state.phase == Phase::Running || v.state.phase == Phase::Draining) {
            seen = {v.state.run_id, v.state.pid, v.state.pid_start_ticks, v.state.restarts, v.state.started_at_ms,
                    v.spec.ready_fd > 0 || v.spec.health.type != HealthType::None ||
                        v.spec.restart.min_uptime_ms > 0};
          }
          std::string ended;
          if (!still_up(ctx, id, target, seen, &ended)) {
            print_error(id + ": " + ended);
            note(id, false, false, ended);
            failed = true;
            break;
          }
          note(id, true, false, "");
          ctx.reporter.progress("");
          if (!results && !ctx.quiet)
            std::printf("%s: %s (after %s)\n", id.c_str(), wait_target_name(target),
                        format_duration_ms(monotonic_ms() - start).c_str());
          break;
        }
        case WaitOutcome::Impossible:
          print_error(id + ": will not become " + wait_target_name(target) + ": " + reason);
          note(id, false, false, "will not become " + std::string(wait_target_name(target)) + ": " + reason);
          failed = true;
          break;
        case WaitOutcome::Waiting:
          still.push_back(id);
          why[still.size() - 1] = reason;
          break;
      }
    }
    std::fflush(stdout);
    pending.swap(still);
    if (pending.empty()) {
      ctx.reporter.progress("");
      return failed ? kExitFailure : kExitOk;
    }
    // On a terminal, after a second: what is still awaited, and until when.
    if (monotonic_ms() >= next_progress) {
      std::string who = join_first(pending, 3);
      std::string until = timeout_ms > 0 ? "until " + format_local_time(now_ms() + start + timeout_ms - monotonic_ms()).substr(11)
                                         : "no time limit";
      ctx.reporter.progress("waiting for " + who + " to be " + wait_target_name(target) + " (" + why[0] + "; " + until + ")");
      next_progress = monotonic_ms() + 1000;
    }
    int64_t left = timeout_ms > 0 ? start + timeout_ms - monotonic_ms() : 250;
    if (left <= 0) {
      ctx.reporter.progress("");
      for (size_t i = 0; i < pending.size(); ++i) {
        print_error(pending[i] + ": timed out after " + format_duration_ms(timeout_ms) + " waiting for " +
                    wait_target_name(target) + " (" + why[i] + ")");
        note(pending[i], false, true, why[i]);
      }
      return failed ? kExitFailure : kExitTimeout;
    }
    struct pollfd p {watch.get(), POLLIN, 0};
    ::poll(&p, watch.valid() ? 1 : 0, static_cast<int>(std::min<int64_t>(left, 250)));
    char buf[4096];
    while (watch.valid() && ::read(watch.get(), buf, sizeof buf) > 0) {
    }
  }
}

bool parse_wait_options(const std::string& target_name, const std::string& timeout, WaitTarget* target,
                        int64_t* timeout_ms) {
  if (!wait_target_from_name(target_name, target)) {
    print_error("--for: unknown condition '" + target_name + "' (known: running, ready, healthy, exited)");
    return false;
  }
  std::string err;
  if (timeout == "0") {
    *timeout_ms = 0;  // no limit
  } else if (!parse_duration(timeout, timeout_ms, &err)) {
    print_error("--timeout: " + err);
    return false;
  }
  return true;
}

void WaitAfterStart::add_options(CLI::App* sub, const std::string& what) {
  CLI::Option* flag = sub->add_flag("--wait", wait, "Then wait until " + what + " (see --for, --timeout)");
  for (CLI::Option* o : add_wait_options(sub, target_name, timeout)) o->needs(flag);
}

bool WaitAfterStart::parse() { return !wait || parse_wait_options(target_name, timeout, &target, &timeout_ms); }

int WaitAfterStart::finish(const Context& ctx, const std::vector<std::string>& started, bool start_failed,
                           int start_code, JsonResults* results) const {
  std::fflush(stdout);
  if (!wait || started.empty()) return start_code;
  std::vector<TaskWait> waits;
  int waited = wait_for_tasks(ctx, started, target, timeout_ms, results ? &waits : nullptr);
  if (results) results->add_waits(waits);
  return waited != kExitOk && !start_failed ? waited : start_code;
}

std::vector<CLI::Option*> add_wait_options(CLI::App* sub, std::string& target, std::string& timeout) {
  return {sub->add_option("--for", target, "running, ready, healthy or exited (default: " + target + ")"),
          sub->add_option("--timeout", timeout, "How long to wait, e.g. 30s or 5m; 0 waits forever (default: 30s)")};
}

}  // namespace spmi
