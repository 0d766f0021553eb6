// Finding a program on PATH the way execvp does: one definition for the
// descriptor checks (is the task's command there?) and for the backends'
// tools (screen, tmux, sbatch).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spmi {

// The directories of a PATH value, in order; an empty entry is ".".
std::vector<std::string> path_dirs(std::string_view path);

// True when `path` is a regular file this process may execute.
bool is_executable_file(const std::string& path);

// The first <dir>/<program> of `path` (a PATH value) that is an executable
// file, or "" when there is none. `program` must not contain a slash.
std::string find_in_path(const std::string& program, std::string_view path);

}  // namespace spmi
