// Which tasks come back after a reboot, and bringing them back (resurrect.h).
#include "lifecycle/resurrect.h"

#include "lifecycle/start.h"

namespace spmi {

std::string resurrection_reason(const TaskView& v) {
  switch (v.condition) {
    case TaskCondition::Active:
    case TaskCondition::Broken:
      return "";
    case TaskCondition::LostInReboot:
      return "it was running before the reboot";
    case TaskCondition::WrapperLost:
      return "its wrapper was lost";
    case TaskCondition::Inactive:
    case TaskCondition::FailedToStart:
    case TaskCondition::GaveUp:
      break;
  }
  if (v.end_cause() == "signal") return "its wrapper was stopped by a signal, not by a user";
  if (v.spec.autostart) return "autostart";
  return "";
}

bool resurrect_tasks(const Session& s, const std::vector<std::string>& ids, bool dry_run,
                     std::vector<std::string>* started) {
  bool failed = false;
  std::vector<std::string> picked;
  int active = 0, left = 0;
  for (const TaskView& v : inspect_tasks(s.store, ids)) {
    if (v.condition == TaskCondition::Broken) {
      s.report.problem(v.id + ": " + v.error);
      failed = true;
      continue;
    }
    std::string why = resurrection_reason(v);
    if (why.empty()) {
      ++(v.condition == TaskCondition::Active ? active : left);
      s.report.debug(v.id + ": left as it is (" + condition_name(v.condition) +
                     (v.end_cause().empty() ? "" : ", ended by " + v.end_cause()) + ")");
      continue;
    }
    picked.push_back(v.id);
    s.report.done((dry_run ? "would start " : "bringing back ") + v.id + " (" + why + ")");
  }
  if (picked.empty()) {
    s.report.done("nothing to bring back (" + std::to_string(active) + " active, " + std::to_string(left) +
                  " stopped or ended by themselves)");
    return !failed;
  }
  if (dry_run) return !failed;
  return start_with_dependencies(s, picked, started) && !failed;
}

}  // namespace spmi
