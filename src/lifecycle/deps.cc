// Dependency graph checks and orders (see deps.h).
#include "lifecycle/deps.h"

#include <algorithm>
#include <functional>
#include <set>

#include "store/store.h"

namespace spmi {

std::vector<std::string> check_dependencies(const TaskSpecs& all) {
  std::vector<std::string> problems;
  for (const auto& [id, spec] : all) {
    for (const auto& d : spec.depends_on) {
      auto it = all.find(d);
      if (it == all.end()) {
        problems.push_back("task '" + id + "' depends on '" + d + "', which is not loaded and not in these files");
      } else if (spec.start_when == "healthy" && it->second.health.type == HealthType::None) {
        problems.push_back("task '" + id + "' waits for '" + d + "' to be healthy, but '" + d +
                           "' has no health check (task.wrapper.health)");
      }
    }
  }
  // Cycles, by depth-first search; each reported once.
  std::map<std::string, int> mark;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<void(const std::string&)> visit = [&](const std::string& id) {
    mark[id] = 1;
    path.push_back(id);
    for (const auto& d : all.at(id).depends_on) {
      if (!all.count(d)) continue;
      if (mark[d] == 1) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), d); it != path.end(); ++it) cycle += *it + " -> ";
        problems.push_back("dependency cycle: " + cycle + d);
      } else if (mark[d] == 0) {
        visit(d);
      }
    }
    path.pop_back();
    mark[id] = 2;
  };
  for (const auto& [id, spec] : all)
    if (mark[id] == 0) visit(id);
  return problems;
}

std::vector<std::string> new_dependency_problems(const TaskSpecs& stored, const std::vector<TaskSpec>& incoming,
                                                 const std::vector<std::string>& removed) {
  TaskSpecs all = stored;
  for (const auto& id : removed) all.erase(id);
  for (const auto& s : incoming) all[s.id] = s;
  std::vector<std::string> before = check_dependencies(stored), after = check_dependencies(all), out;
  for (const auto& p : after)
    if (std::find(before.begin(), before.end(), p) == before.end()) out.push_back(p);
  return out;
}

std::vector<std::string> with_dependencies(const TaskSpecs& all, const std::vector<std::string>& ids) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  std::function<void(const std::string&)> visit = [&](const std::string& id) {
    if (!seen.insert(id).second) return;
    auto it = all.find(id);
    if (it != all.end())
      for (const auto& d : it->second.depends_on) visit(d);
    order.push_back(id);
  };
  for (const auto& id : ids) visit(id);
  return order;
}

std::vector<std::vector<std::string>> dependents_first_waves(const TaskSpecs& all, const std::vector<std::string>& ids) {
  auto depends = [&](const std::string& a, const std::string& b) {
    auto it = all.find(a);
    return it != all.end() && std::find(it->second.depends_on.begin(), it->second.depends_on.end(), b) !=
                                  it->second.depends_on.end();
  };
  std::vector<std::vector<std::string>> waves;
  std::vector<std::string> remaining = ids;
  while (!remaining.empty()) {
    std::vector<std::string> wave, later;
    for (const auto& id : remaining) {
      bool needed = std::any_of(remaining.begin(), remaining.end(), [&](const std::string& o) { return depends(o, id); });
      (needed ? later : wave).push_back(id);
    }
    if (wave.empty()) wave.swap(later);  // a cycle: the rest together
    waves.push_back(std::move(wave));
    remaining.swap(later);
  }
  return waves;
}

std::vector<std::string> with_dependents(const TaskSpecs& all, const std::vector<std::string>& ids) {
  std::set<std::string> in(ids.begin(), ids.end());
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& [id, spec] : all) {
      if (in.count(id)) continue;
      for (const auto& d : spec.depends_on)
        if (in.count(d)) {
          in.insert(id);
          grew = true;
          break;
        }
    }
  }
  std::vector<std::string> out(ids);
  for (const auto& id : in)
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  return out;
}

TaskSpecs stored_specs(const Store& store) {
  TaskSpecs all;
  std::vector<std::string> ids;
  std::string err;
  if (!store.list_ids(&ids, &err)) return all;
  for (const auto& id : ids) {
    TaskSpec spec;
    if (store.read_spec(id, &spec, &err)) all[id] = std::move(spec);
  }
  return all;
}

}  // namespace spmi
