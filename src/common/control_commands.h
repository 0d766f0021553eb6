// How a task is asked to stop and to reload, besides signals: part of the
// task spec (written by `spmi load`, carried out by the wrapper of either
// type). stop_command runs before the stop signal (systemd's ExecStop);
// reload_signal or reload_command is what `spmi reload` does to a running
// task (ExecReload, s6-svc -h). Both commands run as the task runs (its
// user, directory, environment), outside its process tree and cgroup.
#pragma once

#include <string>
#include <vector>

namespace spmi {

// A shell command (run by /bin/sh -c) or an argv; neither: not set.
struct HelperCommand {
  std::string shell_command;
  std::vector<std::string> argv;
  bool set() const { return !shell_command.empty() || !argv.empty(); }
  // As one line, for status.
  std::string display() const {
    std::string out = shell_command;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
  }
};

struct ControlCommands {
  HelperCommand stop;    // stop_command: bounded by stop_timeout, then the stop signal
  HelperCommand reload;  // reload_command: bounded by stop_timeout
  int reload_signal = 0; // sent to the main process on reload (0: none)
};

}  // namespace spmi
