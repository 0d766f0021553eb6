// The wrapper's start report: one line, "ok <pid>" or "error <why>", that
// every backend waits for before `spmi start` returns. The native backend
// passes the wrapper a pipe; screen and tmux close inherited descriptors, so
// there the wrapper opens a FIFO in the task directory instead.
#pragma once

#include <functional>
#include <string>

#include "backends/registry.h"
#include "common/fd.h"

namespace spmi {

// How long `spmi start` waits for the report.
inline constexpr int kStartReportTimeoutMs = 30000;

// Turns the wrapper's report line into a StartResult.
StartResult parse_report(const std::string& report);

// Reads the report from `fd` (non-blocking is fine) until a full line, the
// writer closing, or `timeout_ms`. `gone`, when given, is asked every 200 ms
// whether the wrapper has already disappeared (then waiting is pointless).
StartResult read_report(int fd, int timeout_ms, const std::function<bool()>& gone = nullptr);

// The report FIFO <task_dir>/report, removed again when this goes away.
class ReportFifo {
 public:
  ~ReportFifo();
  // Creates the FIFO afresh and opens it for reading.
  bool create(const std::string& task_dir, std::string* err);
  const std::string& path() const { return path_; }
  StartResult wait(int timeout_ms, const std::function<bool()>& gone) { return read_report(fd_.get(), timeout_ms, gone); }

 private:
  std::string path_;
  Fd fd_;
};

}  // namespace spmi
