// Locating the wrapper executables (spmi-wrapper, spmi-watchdog).
#include <unistd.h>
#include <cstdlib>

#include "backends/registry.h"
#include "common/atomic_file.h"
#include "common/proc.h"
#include "common/wrapper_types.h"

namespace spmi {

std::string find_wrapper_executable(const std::string& type, std::string* err) {
  const WrapperTypeInfo* info = find_wrapper_type(type);
  if (!info) {
    *err = "unknown wrapper type '" + type + "'";
    return "";
  }
  const char* name = info->executable;
  const char* variable = info->override_variable;
  if (const char* env = std::getenv(variable); env && *env) {
    if (::access(env, X_OK) == 0) return env;
    *err = std::string(variable) + "=" + env + " is not an executable file";
    return "";
  }
  if (std::string self = own_executable(); !self.empty()) {
    std::string dir = dir_name(self);
    for (const std::string& candidate : {dir + "/" + name, dir + "/../libexec/spmi/" + name}) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  *err = std::string("cannot find the ") + name + " executable (looked next to spmi and in ../libexec/spmi; set " +
         variable + ")";
  return "";
}

}  // namespace spmi
