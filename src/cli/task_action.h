// One lifecycle operation (restart, reload) on every selected task, in
// parallel (8 at a time, as start does): each task's lines are held and
// printed together in id order once all are done; with --json one document
// (results.h) instead. The exit code is the commands' usual one.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "lifecycle/session.h"

namespace spmi {

// One task's messages, held until they can be printed in order.
class HeldReporter : public Reporter {
 public:
  explicit HeldReporter(Reporter& out) : out_(out) {}
  void done(const std::string& line) override { held_.emplace_back(line, false); }
  void problem(const std::string& message) override { held_.emplace_back(message, true); }
  void debug(const std::string& message) override { out_.debug(message); }
  void progress(const std::string& line) override { out_.progress(line); }
  void replay() {
    for (const auto& [text, problem] : held_) problem ? out_.problem(text) : out_.done(text);
  }

 private:
  Reporter& out_;
  std::vector<std::pair<std::string, bool>> held_;
};

// Runs `op` for every task `sel` selects; `action` names it in the JSON.
int run_task_action(Context& ctx, const Selection& sel, bool json, const char* action,
                    bool (*op)(const Session&, const std::string&));

}  // namespace spmi
