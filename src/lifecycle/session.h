// What lifecycle operations (start, stop, remove) work with: the state
// directory, how to find a task's backend, and where their messages go.
// The CLI prints them (cli/output.h); unit tests record them and give a
// fake backend.
#pragma once

#include <string>

#include "backends/registry.h"
#include "store/store.h"
#include "store/task_view.h"

namespace spmi {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // What was done, one line for stdout ("started web (pid 12)").
  virtual void done(const std::string& line) = 0;
  // A failure or a note for stderr ("web: already active; not started again").
  virtual void problem(const std::string& message) = 0;
  // What spmi is doing, for -d.
  virtual void debug(const std::string& message) = 0;
  // What a long operation is waiting for and until when ("waiting for web
  // to stop; SIGKILL at 10:32:05"), said again as it changes; "" when the
  // wait is over. The CLI shows it as one line on a terminal only.
  virtual void progress(const std::string& line) { (void)line; }
};

struct Session {
  const Store& store;
  BackendResolver backend;  // find_backend, or a fake in tests
  Reporter& report;

  DebugSink debug_sink() const {
    return [&r = report](const std::string& m) { r.debug(m); };
  }
};

// The backend that started the task's running wrapper (its state says
// which); null for a name no backend has. Without a readable state, a
// wrapper holding the lock is reached the way every local wrapper is: its
// control FIFO (the native backend's way).
inline const Backend* wrapper_backend(const Session& s, const TaskView& v) {
  if (!v.has_state || v.state.backend.empty()) return &native_backend();
  return s.backend(v.state.backend);
}

// Takes task `id`'s cli.lock and reads its view, as every change to a task
// starts; reports why when it cannot (the Fd is then invalid).
inline Fd lock_for_change(const Session& s, const std::string& id, TaskView* view) {
  std::string err;
  Fd lock = lock_and_inspect(s.store, id, view, &err);
  if (!lock.valid()) s.report.problem(err);
  return lock;
}

}  // namespace spmi
