// Reading a task's logs for `spmi logs`: the current file and its rotated
// (possibly gzipped) predecessors as one stream of lines, oldest first, and
// following the current file across rotations.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/fd.h"

namespace spmi {

struct LogLine {
  int64_t time_ms = -1;  // from the line's timestamp prefix; -1 without one
  std::string text;      // the line without its newline (and without the prefix when parsed)
};

// Parses "2026-11-21T22:07:00.123Z " at the start of `line`; on success
// sets `*ms` and `*rest` (the text after the prefix).
bool parse_log_timestamp(const std::string& line, int64_t* ms, std::string* rest);

// The rotated files of the log at `path`, oldest first (full paths).
std::vector<std::string> rotated_logs(const std::string& path);

// Where a follower took over a log: the file (by inode) and the byte it
// reads from. What comes before is history; the rest is the follower's.
struct LogCut {
  ino_t inode = 0;  // 0: the follower found no file
  off_t offset = 0;
};

// The last `max_lines` lines that `keep` accepts of the log at `path` and
// its rotated files, oldest first. Files are read newest first and reading
// stops once enough lines are found, so a short tail never decompresses old
// files. Lines are parsed for timestamps when `timestamps`. Problems (an
// unreadable .gz) are appended to `errors`. With `cut`, only what comes
// before it is read (files newer than the cut's file are the follower's),
// so `logs -n N -f` neither loses nor repeats a line written in between.
std::vector<LogLine> read_log_tail(const std::string& path, bool timestamps, size_t max_lines,
                                   const std::function<bool(const LogLine&)>& keep, std::vector<std::string>* errors,
                                   const LogCut* cut = nullptr);

// The offset where the `n`th-last complete line of the first `size` bytes
// of `fd` starts. An unfinished last line (no newline yet) is not counted:
// with n = 0 it is where that unfinished line starts (or `size`).
off_t complete_lines_start(int fd, off_t size, size_t n);

// Follows the log at `path` from its current end: new complete lines as
// they are written, across rotations (the renamed file is read to its end
// through the descriptor held open, then the new file from its start), so
// no line is lost or repeated.
class LogFollower {
 public:
  // Starts at the end of the last complete line: a line the writer is still
  // finishing is shown whole once it ends, never from its middle.
  explicit LogFollower(std::string path);
  // New complete lines since the last call.
  std::vector<std::string> poll();
  // Where this follower started (for read_log_tail).
  const LogCut& start() const { return start_; }

 private:
  void open_current(bool from_end);
  void read_available(std::vector<std::string>* out);
  // The rotated files' names without ".gz", in rotation order.
  std::vector<std::string> rotated_names() const;

  std::string path_;
  Fd fd_;
  ino_t inode_ = 0;
  std::string partial_;
  // rotated_names() when the current file was opened: a rotation adds the
  // file we were reading as the first new name; any later new name is a
  // file that rotated in full between two polls, read from disk.
  std::vector<std::string> known_rotated_;
  LogCut start_;
};

}  // namespace spmi
