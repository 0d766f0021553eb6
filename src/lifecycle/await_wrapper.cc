// Waiting for a wrapper to carry out a request (await_wrapper.h).
#include "lifecycle/await_wrapper.h"

#include <chrono>
#include <thread>

#include "common/clock.h"
#include "common/duration.h"
#include "common/lock_file.h"

namespace spmi {

bool await_wrapper(const Session& s, const TaskView& v, const char* what, int64_t budget_ms,
                   const std::function<bool(const TaskState&)>& done, TaskState* out, int64_t* took_ms) {
  int64_t t0 = monotonic_ms(), deadline = t0 + budget_ms;
  std::string lock = s.store.task_file(v.id, task_files::kLock), err;
  while (monotonic_ms() < deadline) {
    bool present = false;
    if (s.store.read_state(v.id, out, &present, &err) && present && done(*out)) {
      *took_ms = monotonic_ms() - t0;
      return true;
    }
    if (probe_lock_file(lock) != LockProbe::Held) {
      s.report.problem(v.id + ": its wrapper ended during the " + what + " (see " + v.dir + "/wrapper.log)");
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.report.problem(v.id + ": the " + what + " did not finish within " + format_duration_ms(deadline - t0));
  return false;
}

}  // namespace spmi
