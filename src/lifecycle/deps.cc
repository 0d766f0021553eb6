// Dependency graph checks and orders (see deps.h).
#include "lifecycle/deps.h"

#include <algorithm>
#include <functional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "manageables/schema.h"
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

std::vector<std::vector<std::string>> dependents_first_waves(const TaskSpecs& all,
                                                             const std::vector<std::string>& ids) {
  // Layer by layer (Kahn's algorithm, each layer kept in the order of
  // `ids`): needed_by[q] counts the remaining entries that depend on ids[q].
  // Linear in the edges per wave; comparing every pair cost 11 s of
  // `spmi stop` at 10,000 tasks.
  std::unordered_map<std::string_view, std::vector<size_t>> at;
  for (size_t i = 0; i < ids.size(); ++i) at[ids[i]].push_back(i);
  std::vector<std::vector<size_t>> needs(ids.size());  // the entries that ids[p] depends on
  std::vector<size_t> needed_by(ids.size(), 0);
  for (size_t p = 0; p < ids.size(); ++p) {
    auto spec = all.find(ids[p]);
    if (spec == all.end()) continue;
    std::set<std::string_view> deps(spec->second.depends_on.begin(), spec->second.depends_on.end());
    for (std::string_view d : deps) {
      auto q = at.find(d);
      if (q == at.end()) continue;
      for (size_t i : q->second) {
        needs[p].push_back(i);
        ++needed_by[i];
      }
    }
  }
  std::vector<std::vector<std::string>> waves;
  std::vector<size_t> remaining(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) remaining[i] = i;
  while (!remaining.empty()) {
    std::vector<size_t> wave, later;
    for (size_t i : remaining) (needed_by[i] > 0 ? later : wave).push_back(i);
    if (wave.empty()) wave.swap(later);  // a cycle: the rest together
    for (size_t p : wave)
      for (size_t q : needs[p]) --needed_by[q];
    waves.emplace_back();
    for (size_t i : wave) waves.back().push_back(ids[i]);
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
  std::set<std::string_view> listed(ids.begin(), ids.end());
  for (const auto& id : in)
    if (listed.insert(id).second) out.push_back(id);
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

TaskSpecs stored_specs_of(const Store& store, const std::vector<std::string>& ids) {
  TaskSpecs found;
  std::set<std::string> tried;
  std::vector<std::string> todo(ids.rbegin(), ids.rend());
  std::string err;
  while (!todo.empty()) {
    std::string id = std::move(todo.back());
    todo.pop_back();
    // A stored spec names valid ids; one that was edited by hand may not.
    if (!tried.insert(id).second || !valid_task_id(id, &err)) continue;
    TaskSpec spec;
    if (!store.read_spec(id, &spec, &err)) continue;
    for (const auto& d : spec.depends_on) todo.push_back(d);
    found.emplace(id, std::move(spec));
  }
  return found;
}

}  // namespace spmi
