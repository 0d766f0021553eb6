// --json for the commands that change tasks (start, stop, kill, restart,
// apply, run): instead of the per-task lines, one JSON document on stdout
// with what happened to each task and where it stands afterwards. Problems
// still go to standard error as well, so a person watching sees them.
//
//   {"schema": 1, "action": "start", "exit_code": 0, "ok": true,
//    "tasks": [{"id": "web", "ok": true, "condition": "active", "pid": 12,
//               "messages": ["started web (pid 12)"]}],
//    "messages": []}
//
// Messages are given to the task whose id they name; the rest go to the
// top-level "messages". A task's "ok" is where it stands afterwards (start,
// restart, run: active; stop, kill: not active; apply: no problem reported).
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/output.h"

namespace spmi {

struct TaskWait;

class JsonResults : public Reporter {
 public:
  JsonResults(const Context& ctx, std::string action) : ctx_(ctx), action_(std::move(action)) {}
  void done(const std::string& line) override;
  void problem(const std::string& message) override;
  void debug(const std::string& message) override { ctx_.reporter.debug(message); }
  void progress(const std::string& line) override { ctx_.reporter.progress(line); }
  // The lifecycle session that reports here.
  Session session() { return {ctx_.store, find_backend, *this}; }
  // Adds what `spmi wait` (or --wait) found for each task.
  void add_waits(const std::vector<TaskWait>& waits);
  // Prints the document for the selected `ids` (and any other task a
  // message named, such as a dependency started first); `extra`'s fields
  // (apply's plan) are added at the top level.
  void print(const std::vector<std::string>& ids, int exit_code, const nlohmann::json& extra = nullptr);

 private:
  void record(const std::string& text, bool problem);

  const Context& ctx_;
  std::string action_;
  std::mutex mu_;  // lifecycle operations report from several threads
  std::vector<std::pair<std::string, bool>> lines_;  // text, is a problem
  nlohmann::json waits_ = nlohmann::json::object();
};

}  // namespace spmi
