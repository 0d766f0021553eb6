// Log rotation names (see log_settings.h).
#include "common/log_settings.h"

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/names.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace spmi {

namespace {
constexpr NameTable<LogRotate, 4> kLogRotations{{{
    {LogRotate::Size, "size"}, {LogRotate::Hourly, "hourly"}, {LogRotate::Daily, "daily"}, {LogRotate::Never, "never"},
}}};
}  // namespace

const char* log_rotate_name(LogRotate r) { return kLogRotations.name(r); }
bool log_rotate_from_name(const std::string& name, LogRotate* out) { return kLogRotations.parse(name, out); }

std::string rotated_log_name(const std::string& log_path, int64_t epoch_ms, int sequence) {
  UtcTime u = utc_time(epoch_ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, ".%04d%02u%02uT%02u%02u%02uZ-%03d", u.year, u.month, u.day, u.hour, u.minute,
                u.second, sequence % 1000);
  return log_path + buf;
}

bool is_rotated_log_name(const std::string& log_name, const std::string& name) {
  // <log_name>.YYYYMMDDTHHMMSSZ-NNN[.gz]
  if (name.size() < log_name.size() + 21 || name.compare(0, log_name.size(), log_name) != 0) return false;
  std::string rest = name.substr(log_name.size());
  if (rest.size() != 21 && !(rest.size() == 24 && rest.compare(21, 3, ".gz") == 0)) return false;
  const char* shape = ".DDDDDDDDTDDDDDDZ-DDD";
  for (size_t i = 0; i < 21; ++i) {
    char c = rest[i];
    if (shape[i] == 'D' ? (c < '0' || c > '9') : c != shape[i]) return false;
  }
  return true;
}

std::vector<std::string> list_rotated_log_names(int dirfd, const std::string& log_name) {
  std::vector<std::string> out;
  // A copy of the descriptor: the directory stream owns (and closes) it.
  int copy = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  DIR* d = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (!d) {
    if (copy >= 0) ::close(copy);
    return out;
  }
  ::rewinddir(d);  // the copy shares its position with `dirfd`
  while (struct dirent* e = ::readdir(d))
    if (is_rotated_log_name(log_name, e->d_name)) out.push_back(e->d_name);
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> list_rotated_logs(const std::string& log_path) {
  std::string dir = dir_name(log_path);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return {};
  std::vector<std::string> out = list_rotated_log_names(fd, base_name(log_path));
  ::close(fd);
  for (auto& n : out) n = (dir == "/" ? "" : dir) + "/" + n;
  return out;
}

}  // namespace spmi
