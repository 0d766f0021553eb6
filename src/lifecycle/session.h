// What lifecycle operations (start, stop, remove) work with: the state
// directory, how to find a task's backend, and where their messages go.
// The CLI prints them (cli/output.h); unit tests record them and give a
// fake backend.
#pragma once

#include <string>

#include "backends/registry.h"
#include "store/store.h"

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
};

struct Session {
  const Store& store;
  BackendResolver backend;  // find_backend, or a fake in tests
  Reporter& report;

  DebugSink debug_sink() const {
    return [&r = report](const std::string& m) { r.debug(m); };
  }
};

}  // namespace spmi
