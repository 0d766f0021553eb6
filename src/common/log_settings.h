// How a task's output is kept: part of the task spec ([task.logs] in a
// descriptor), read by the wrapper's LogWriter (src/wrappers/log_writer.h),
// which explains what each field does, and by `spmi logs`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spmi {

enum class LogRotate { Size, Hourly, Daily, Never };

// "size", "hourly", "daily", "never".
const char* log_rotate_name(LogRotate r);
bool log_rotate_from_name(const std::string& name, LogRotate* out);

struct LogSettings {
  int64_t max_size = 10LL << 20;  // rotate at the first line end past this size
  LogRotate rotate = LogRotate::Size;
  int keep = 5;           // rotated files kept per stream (older ones are deleted)
  bool compress = false;  // gzip rotated files (in a separate process)
  bool timestamps = false;  // prefix each line with an RFC 3339 UTC time
  std::string stdout_path;  // absolute; "" = <task dir>/stdout.log
  std::string stderr_path;  // absolute; "" = <task dir>/stderr.log
};

// The name of a rotated file: "<log path>.<YYYYMMDDTHHMMSSZ>-<NNN>" (+ ".gz"
// once compressed). Names sort in rotation order.
std::string rotated_log_name(const std::string& log_path, int64_t epoch_ms, int sequence);
// True when `name` (a file name in the log's directory) is a rotated file of
// the log whose file name is `log_name`.
bool is_rotated_log_name(const std::string& log_name, const std::string& name);

// Every rotated file of the log at `log_path` (full paths, oldest first).
// While a file is being compressed both "x" and "x.gz" are listed.
std::vector<std::string> list_rotated_logs(const std::string& log_path);
// The same as names in the directory `dirfd` of the log named `log_name`.
std::vector<std::string> list_rotated_log_names(int dirfd, const std::string& log_name);

}  // namespace spmi
