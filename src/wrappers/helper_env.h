// The environment of a command the wrapper runs besides the task (an
// on_event hook, a stop_command or reload_command): the task's own, as its
// last run got it, plus the variables of the occasion (SPMI_EVENT,
// MAINPID, ...). Header-only: both wrapper executables use it.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace spmi {

class HelperEnv {
 public:
  explicit HelperEnv(char** base) {
    for (char** e = base; e && *e; ++e) entries_.emplace_back(*e);
  }
  // KEY=VALUE, replacing an entry of the same name.
  void set(const std::string& key, const std::string& value) {
    unset(key);
    entries_.push_back(key + "=" + value);
  }
  void unset(const std::string& key) {
    std::string prefix = key + "=";
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [&](const std::string& e) { return e.rfind(prefix, 0) == 0; }),
                   entries_.end());
  }
  // A NULL-terminated array, valid until the next change.
  char** envp() {
    ptrs_.clear();
    for (auto& e : entries_) ptrs_.push_back(e.data());
    ptrs_.push_back(nullptr);
    return ptrs_.data();
  }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> ptrs_;
};

}  // namespace spmi
