// One output stream of a task (stdout or stderr) written to its log file by
// the wrapper, which owns the task's output pipe (native) or pty (screen,
// tmux). Because the wrapper is the only writer, it can rotate without
// losing, splitting or repeating a line:
//
//   rotate      at the first line end once the file reaches max_size; with
//               "hourly"/"daily" also at the first line end after an hour or
//               day boundary (local time); never with "never"
//   rotation    the file is renamed to <path>.<UTC time>-<seq> and a new one
//               opened; rotated files beyond `keep` are deleted, oldest first
//   compress    rotated files are gzipped by a separate process (the
//               wrapper's CompressJob): the task never waits for it
//   timestamps  each line starts with "2026-11-21T22:07:00.123Z "
//   failures    a write that fails (disk full, file gone, no permission)
//               drops the output, counts the bytes, and records the error;
//               the next write tries again, so writing resumes by itself
//   safety      the log's directory may be writable by the task's user
//               while the wrapper runs as root: the directory is opened
//               once and every file in it is opened, renamed and deleted
//               relative to it, never through a link (common/safe_file.h)
//
// Without timestamps, pipe data is moved to the file with splice(): no copy
// through the wrapper, which keeps the write path cheap and the wrapper's
// memory small. The clock is injectable for tests of time rotation.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/fd.h"
#include "common/clock.h"
#include "common/log_settings.h"

namespace spmi {

// A rotated file waiting to be compressed: its name in the directory `dirfd`
// (the LogWriter's, open for the wrapper's whole life).
struct CompressItem {
  int dirfd = -1;
  std::string name;
};

class LogWriter {
 public:
  using Clock = int64_t (*)();  // wall-clock milliseconds

  // Sets the writer up and opens (creates) the file. False with `err` when
  // the file is refused for safety (a symbolic or hard link, a FIFO): the
  // task must not start writing through it. Other failures (no directory
  // yet, no room) are write errors like any other, retried later.
  bool setup(std::string path, const LogSettings& settings, Clock clock, std::string* err = nullptr);
  const std::string& path() const { return path_; }

  // Appends bytes (rotating at line starts as needed).
  void write(const char* data, size_t n);
  // Moves what the non-blocking pipe `fd` holds into the log. Returns false
  // at end of file (every writer closed it), true otherwise.
  bool drain_pipe(int fd);
  // Empties the log file now (spmi logs --clear); rotated files stay.
  void clear();

  // Rotated files not yet compressed, handed out once each.
  std::vector<CompressItem> take_compress_work();
  // Deletes rotated files beyond `keep`, oldest first.
  void prune();

  // The last write error ("" when the last write worked) and the bytes
  // dropped so far. `changed` reports whether either changed since the last
  // call (the wrapper then saves its state).
  const std::string& error() const { return error_; }
  int64_t dropped() const { return dropped_; }
  bool changed();

  // Handing the file to the wrapper's idle core (idle_core/idle_protocol.h),
  // which splices into it as drain_pipe's fast path does, up to where this
  // writer must act again: `limit` bytes (the size rotation; -1: never) or
  // the wall-clock `deadline_ms` (the hour or day rotation; -1: none).
  // False when the writer cannot be left alone: timestamps, an error to
  // report or retry, a file splice() cannot write (not a regular file).
  struct Handoff {
    int fd = -1;
    int64_t offset = 0, limit = -1, deadline_ms = -1;
  };
  bool handoff(Handoff* h) const;
  // The writer after the core: set up on the directory and file the one
  // before it had (dir_fd, file_fd: kept open across the execs, so the
  // file is never looked up by path again; see "safety" above), with its
  // rotation sequence and the bytes dropped so far. Either may be invalid:
  // then opened as by setup.
  void adopt(std::string path, const LogSettings& settings, Clock clock, Fd dir, Fd file, int sequence,
             int64_t dropped);
  int sequence() const { return sequence_; }
  int dir_fd() const { return dir_fd_.get(); }
  int file_fd() const { return fd_.get(); }

 private:
  bool ensure_open();
  // After the file was opened: its size, line state and rotation period.
  void opened(int64_t now);
  // `pending`: bytes gathered for the file but not written yet.
  bool rotation_due(int64_t now, size_t pending = 0) const;
  void rotate(int64_t now);
  bool at_line_start();
  void emit(const char* data, size_t n);
  void fail(const std::string& what, int err, size_t lost);
  // When the hour or day of `ms` ends (INT64_MAX without time rotation).
  int64_t period_end(int64_t ms) const;

  std::string path_;
  std::string name_;  // the file's name in dir_fd_
  Fd dir_fd_;
  bool refused_ = false;  // the last open failed for safety (see setup)
  LogSettings s_;
  Clock clock_ = now_ms;
  Fd fd_;
  int64_t size_ = 0;          // = the write offset (the file is ours alone)
  int64_t period_end_ms_ = 0;  // hourly/daily: rotate at the first line from then on
  int64_t stamp_ms_ = -1;     // the cached timestamp prefix and its time
  char stamp_[32] = {};
  size_t stamp_len_ = 0;
  int line_state_ = 1;        // 1: at a line start, 0: mid-line, -1: unknown (after splice)
  int sequence_ = 0;
  int64_t retry_at_ = 0;      // after an open failure, the next attempt
  std::vector<CompressItem> to_compress_;
  std::string error_;
  int64_t dropped_ = 0;
  bool changed_ = false;
};

}  // namespace spmi
