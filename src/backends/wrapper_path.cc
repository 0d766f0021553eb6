// Locating the spmi-wrapper executable.
#include <climits>
#include <cstdlib>
#include <unistd.h>

#include "backends/registry.h"
#include "common/atomic_file.h"

namespace spmi {

std::string find_wrapper_executable(std::string* err) {
  if (const char* env = std::getenv("SPMI_WRAPPER"); env && *env) {
    if (::access(env, X_OK) == 0) return env;
    *err = std::string("SPMI_WRAPPER=") + env + " is not an executable file";
    return "";
  }
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir = dir_name(self);
    for (const std::string& candidate : {dir + "/spmi-wrapper", dir + "/../libexec/spmi/spmi-wrapper"}) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  *err = "cannot find the spmi-wrapper executable (looked next to spmi and in ../libexec/spmi; set SPMI_WRAPPER)";
  return "";
}

}  // namespace spmi
