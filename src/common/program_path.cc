// Finding a program on PATH (see program_path.h). Hand-written rather than
// Boost.Process's search_path: that one brings Boost.Filesystem's
// operations into the CLI, whose start-up code (a uname and an sscanf of
// the kernel's version) then runs before every command.
#include "common/program_path.h"

#include <sys/stat.h>
#include <unistd.h>

namespace spmi {

std::vector<std::string> path_dirs(std::string_view path) {
  std::vector<std::string> dirs;
  for (size_t pos = 0; pos <= path.size();) {
    size_t end = std::min(path.find(':', pos), path.size());
    std::string_view dir = path.substr(pos, end - pos);
    dirs.emplace_back(dir.empty() ? std::string_view(".") : dir);
    pos = end + 1;
  }
  return dirs;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string find_in_path(const std::string& program, std::string_view path) {
  if (program.empty()) return "";
  for (const std::string& dir : path_dirs(path)) {
    std::string candidate = dir + "/" + program;
    if (is_executable_file(candidate)) return candidate;
  }
  return "";
}

}  // namespace spmi
