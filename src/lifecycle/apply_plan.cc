// The apply plan (see apply_plan.h).
#include "lifecycle/apply_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "common/kv_file.h"
#include "common/names.h"

namespace spmi {

namespace {

// Spec keys that say the same thing under one descriptor-level name.
std::string public_name(const std::string& key) {
  static const std::map<std::string, std::string> kNames = {
      {"shell", "command"},          {"arg", "command"},
      {"stop_timeout_ms", "stop_timeout"}, {"success_exit_code", "success_exit_codes"},
      {"restart_delay_ms", "restart_delay"}, {"restart_max_delay_ms", "restart_max_delay"},
      {"restart_reset_after_ms", "restart_reset_after"}, {"restart_window_ms", "restart_window"},
      {"min_uptime_ms", "min_uptime"},
      {"max_runtime_ms", "max_runtime"},   {"max_memory_bytes", "max_memory"},
      {"not_before_ms", "not_before"},     {"not_after_ms", "not_after"},
      {"start_timeout_ms", "start_timeout"}, {"tag", "tags"},
      {"stop_shell", "stop_command"},      {"stop_arg", "stop_command"},
      {"reload_shell", "reload_command"},  {"reload_arg", "reload_command"}};
  if (key.rfind("health", 0) == 0) return "health";
  if (key.rfind("on_event", 0) == 0) return "on_event";
  if (key.rfind("watch_", 0) == 0) return "watch";
  if (key.rfind("log_", 0) == 0) return "logs." + key.substr(4);
  if (key.rfind("limit_", 0) == 0) return "limits." + key.substr(6);
  auto it = kNames.find(key);
  return it == kNames.end() ? key : it->second;
}

std::map<std::string, std::vector<std::string>> definition(const TaskSpec& spec) {
  KvFile kv;
  std::string err;
  kv.parse(serialize_spec(spec), "spmi-spec", kSpecVersion, &err);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [k, v] : kv.entries())
    if (k != "loaded_at_ms") out[k].push_back(v);  // "source": a project file that moved, an adopted task
  return out;
}

}  // namespace

std::string owner_of(const TaskSpec& spec) {
  std::string out = spec.source.empty() ? "an unknown file" : spec.source;
  if (!spec.project.empty()) out += " (project " + spec.project + ")";
  return out;
}

bool owned_elsewhere(const TaskSpec& stored, const TaskSpec& incoming) {
  if (!stored.project.empty() || !incoming.project.empty()) return stored.project != incoming.project;
  return stored.source != incoming.source;
}

bool is_metadata_key(const std::string& name) {
  return name == "comment" || name == "tags" || name == "project" || name == "source";
}

bool is_reloadable_key(const std::string& name) {
  static const char* const kReloadable[] = {
      "stop_signal", "stop_timeout", "stop_command", "reload_signal", "reload_command", "restart",
      "success_exit_codes", "restart_delay", "restart_max_delay", "restart_reset_after", "max_restarts",
      "restart_window", "on_event"};
  for (const char* k : kReloadable)
    if (name == k) return true;
  return false;
}

std::vector<std::string> changed_keys(const TaskSpec& before, const TaskSpec& after) {
  auto a = definition(before), b = definition(after);
  std::vector<std::string> out;
  auto note = [&](const std::string& key) {
    std::string name = public_name(key);
    if (!contains(out, name)) out.push_back(name);
  };
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || it->second != v) note(k);
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) note(k);
  std::sort(out.begin(), out.end());
  return out;
}

ApplyPlan plan_apply(const TaskSpecs& stored, const std::vector<TaskSpec>& incoming,
                     const std::vector<std::string>& sources, const std::vector<std::string>& projects, bool prune,
                     const std::function<bool(const std::string&)>& running, bool adopt) {
  ApplyPlan plan;
  std::set<std::string> incoming_ids, incoming_groups;
  std::vector<std::string> restart;
  for (const auto& spec : incoming)
    if (!spec.instance_of.empty()) incoming_groups.insert(spec.instance_of);
  // A group runs when any of its stored instances does.
  std::set<std::string> running_groups;
  for (const auto& [id, spec] : stored)
    if (!spec.instance_of.empty() && incoming_groups.count(spec.instance_of) && running(id))
      running_groups.insert(spec.instance_of);
  for (const auto& spec : incoming) {
    incoming_ids.insert(spec.id);
    auto it = stored.find(spec.id);
    if (it == stored.end()) {
      plan.added.push_back(spec.id);
      if (!spec.instance_of.empty() && running_groups.count(spec.instance_of)) plan.scale_up.push_back(spec.id);
      continue;
    }
    if (owned_elsewhere(it->second, spec) && !adopt) {
      plan.conflicts.push_back({spec.id, owner_of(it->second)});
      continue;
    }
    std::vector<std::string> keys = changed_keys(it->second, spec);
    if (keys.empty()) {
      plan.unchanged.push_back(spec.id);
      continue;
    }
    bool up = running(spec.id);
    bool shapes_run = std::any_of(keys.begin(), keys.end(), [](const std::string& k) {
      return !is_metadata_key(k) && !is_reloadable_key(k);
    });
    bool reloads = !shapes_run && std::any_of(keys.begin(), keys.end(), [](const std::string& k) { return is_reloadable_key(k); });
    plan.changed.push_back({spec.id, keys, up, up && shapes_run, up && reloads});
    if (up && shapes_run) restart.push_back(spec.id);
  }
  std::vector<std::string> removed_running;
  for (const auto& [id, spec] : stored) {
    if (incoming_ids.count(id)) continue;
    bool ours = contains(sources, spec.source) || (!spec.project.empty() && contains(projects, spec.project));
    if (!ours) continue;
    // An instance beyond the group's new count goes, --prune or not.
    bool scaled_down = !spec.instance_of.empty() && incoming_groups.count(spec.instance_of);
    if (!prune && !scaled_down) {
      plan.not_in_files.push_back(id);
      continue;
    }
    bool up = running(id);
    plan.removed.push_back({id, up});
    if (up) removed_running.push_back(id);
  }

  // Orders over the graph as it will be: the new specs over the stored ones.
  TaskSpecs after = stored;
  for (const auto& spec : incoming) after[spec.id] = spec;
  std::vector<std::string> to_stop = restart;
  to_stop.insert(to_stop.end(), removed_running.begin(), removed_running.end());
  // Dependencies first over everything, then reversed: dependents first.
  // The graph for stopping is the stored one (what runs now).
  std::vector<std::string> stop_all = with_dependencies(stored, to_stop);
  const std::set<std::string_view> stopping(to_stop.begin(), to_stop.end()),
      restarting(restart.begin(), restart.end());
  for (auto it = stop_all.rbegin(); it != stop_all.rend(); ++it)
    if (stopping.count(*it)) plan.stop_order.push_back(*it);
  for (const auto& id : with_dependencies(after, restart))
    if (restarting.count(id)) plan.restart_order.push_back(id);
  return plan;
}

}  // namespace spmi
