// The resume record: what a wrapper going idle hands to itself across the
// exec into its idle core and back (idle_core/idle_protocol.h). It lives in
// an anonymous memory file (memfd) whose descriptor both execs keep, so it
// never touches the disk and no other process can read it.
//
// Format, one definition (serialize_resume / parse_resume): lines
// "KEY VALUE"; the documents are "spec LENGTH", "state LENGTH", "identity
// LENGTH" or "env LENGTH" followed by that many bytes (the spec, state and
// identity files' own formats, common/task_spec.h, task_state.h and
// identity.h; the environment NUL-separated) and a newline. The
// first line is the version; a record of another version is refused. The
// last line is "end 0": a record without it was cut short and is refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wrappers/wrapper_machine.h"

namespace spmi {

struct ResumeRecord {
  std::string spec;   // serialize_spec of the spec the wrapper runs with
  std::string state;  // serialize_state of its state (as last written)
  std::string identity;  // serialize_identity of who the run runs as ("": the wrapper's own)
  std::vector<std::string> env;  // the run's environment, as it got it (helpers get it too)
  WrapperMachine::Snapshot machine;
  long long oom_kills = 0;  // the cgroup's OOM kills already reported
  // Per output stream (stdout, stderr): the rotation sequence and the bytes
  // dropped so far (LogWriter).
  int out_sequence = 0, err_sequence = 0;
  int64_t out_dropped = 0, err_dropped = 0;
  // The descriptors the wrapper keeps (-1: none).
  int lock_fd = -1, signal_fd = -1, control_fd = -1, events_fd = -1, log_fd = -1;
  int out_read = -1, err_read = -1;
  // The log writers' directories and files (-1: none).
  int out_dir = -1, out_file = -1, err_dir = -1, err_file = -1;
  // Descriptors only the core needed (the executable it came back
  // through): closed on resume.
  std::vector<int> close_fds;
};

std::string serialize_resume(const ResumeRecord& r);
bool parse_resume(const std::string& text, ResumeRecord* r, std::string* err);

}  // namespace spmi
