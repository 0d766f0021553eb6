// The `project` manageable: many tasks and their shared defaults in one file.
//
//   [project]             name (required), comment
//   [project.defaults]    any task key except id and depends_on
//   [project.tasks.<id>]  a task, as under [task] (the key is its id), or
//   [[project.tasks]]     a list of tasks, each with its own `id`
//
// Each task is its defaults merged under it (tables merge key by key, the
// task's own value wins; arrays and scalars are replaced whole), then built
// by the task manageable, so a project task means exactly what the same
// keys under [task] mean. Every spec gets `project = name`.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "common/names.h"
#include "manageables/descriptor_keys.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

// `top` with every key of `base` it lacks; tables present in both merge.
Node merge_defaults(const Node& base, const Node& top) {
  if (base.kind != Node::Kind::Table || top.kind != Node::Kind::Table) return top;
  Node out = top;
  for (const Entry& d : base.entries) {
    bool found = false;
    for (Entry& e : out.entries) {
      if (e.key != d.key) continue;
      e.value = merge_defaults(d.value, e.value);
      found = true;
    }
    if (!found) out.entries.push_back(d);
  }
  return out;
}

// One task of the project: its table, and the position to report it at.
struct ProjectTask {
  std::string key;  // the id from the table form's key; empty in list form
  SourcePos pos;
  const Node* body;
};

bool collect_tasks(const Node& tasks, Checker& check, std::vector<ProjectTask>* out) {
  if (tasks.kind == Node::Kind::Table) {
    for (const Entry& e : tasks.entries) {
      if (e.value.kind != Node::Kind::Table) {
        check.error(e.value.pos, "project.tasks." + e.key + ": expected a table (a task), got " + describe_kind(e.value));
        continue;
      }
      const Node* id = e.value.find("id");
      if (id && (id->kind != Node::Kind::String || id->str != e.key))
        check.error(id->pos, "project.tasks." + e.key + ".id: must be '" + e.key +
                                 "' (the key names the task) or left out");
      out->push_back({e.key, e.key_pos, &e.value});
    }
  } else if (tasks.kind == Node::Kind::Array) {
    for (size_t i = 0; i < tasks.items.size(); ++i) {
      const Node& t = tasks.items[i];
      if (t.kind != Node::Kind::Table)
        check.error(t.pos, "project.tasks[" + std::to_string(i) + "]: expected a table (a task), got " + describe_kind(t));
      else
        out->push_back({"", t.pos, &t});
    }
  } else {
    check.error(tasks.pos, "project.tasks: expected a table of tasks by id, or a list of tasks, got " +
                               describe_kind(tasks));
    return false;
  }
  if (out->empty() && check.ok()) check.error(tasks.pos, "project.tasks: a project needs at least one task");
  return true;
}

}  // namespace

const Node* find_task_node(const Document& doc, const std::string& id) {
  if (const Node* task = doc.root.find("task")) return task;
  const Node* project = doc.root.find("project");
  const Node* tasks = project ? project->find("tasks") : nullptr;
  if (!tasks) return nullptr;
  if (tasks->kind == Node::Kind::Table) return tasks->find(id);
  for (const Node& t : tasks->items) {
    const Node* n = t.find("id");
    if (n && n->kind == Node::Kind::String && n->str == id) return &t;
  }
  return nullptr;
}

void build_project(const Document& doc, const Entry& body, Checker& check, std::vector<TaskSpec>* out) {
  const Node& project = body.value;
  if (!check.expect_table(project, "project")) return;
  check.check_keys(project, "project", allowed_keys("project"));
  std::string name, why;
  if (check.get_string(project, "project", "name", true, &name) && !valid_task_id(name, &why))
    check.error(project.find("name")->pos, "project.name: '" + name + "' is not a valid project name: it " + why);
  Node defaults;
  defaults.kind = Node::Kind::Table;
  if (const Node* d = project.find("defaults"); d && check.expect_table(*d, "project.defaults")) {
    check.check_keys(*d, "project.defaults", allowed_keys("project.defaults"));
    defaults = *d;
  }
  const Node* tasks = project.find("tasks");
  if (!tasks) {
    check.error(project.pos, "missing required key 'project.tasks'");
    return;
  }
  std::vector<ProjectTask> members;
  if (!collect_tasks(*tasks, check, &members)) return;

  // A problem in the defaults shows up once per task that inherits it: report
  // it once, naming the tasks.
  struct Problem {
    SourcePos pos;
    std::string message;
    std::vector<std::string> tasks;
  };
  std::vector<Problem> problems;
  std::map<std::tuple<int, int, std::string>, size_t> seen;
  std::set<std::string> ids;
  for (const ProjectTask& m : members) {
    Entry task{"task", m.pos, merge_defaults(defaults, *m.body)};
    if (!m.key.empty() && !m.body->find("id")) {
      Node id;
      id.kind = Node::Kind::String;
      id.str = m.key;
      id.pos = m.pos;
      task.value.entries.insert(task.value.entries.begin(), Entry{"id", m.pos, id});
    }
    std::vector<Diagnostic> local;
    Checker task_check(doc.path, &local);
    size_t before = out->size();
    build_task(doc, task, task_check, out);
    std::string label = m.key;
    for (size_t k = before; k < out->size(); ++k) {  // several with `instances`
      TaskSpec& spec = (*out)[k];
      spec.project = name;
      if (label.empty()) label = spec.instance_of.empty() ? spec.id : spec.instance_of;
      if (!spec.id.empty() && !ids.insert(spec.id).second)
        local.push_back({doc.path, task.value.find("id")->pos, "task id '" + spec.id + "' is defined twice in this project"});
    }
    if (label.empty()) label = "#" + std::to_string(&m - members.data() + 1);
    for (Diagnostic& d : local) {
      auto key = std::make_tuple(d.pos.line, d.pos.column, d.message);
      auto [it, fresh] = seen.emplace(key, problems.size());
      if (fresh) problems.push_back({d.pos, d.message, {}});
      auto& who = problems[it->second].tasks;
      if (std::find(who.begin(), who.end(), label) == who.end()) who.push_back(label);
    }
  }
  for (const Problem& p : problems) {
    check.error(p.pos, (p.tasks.size() == 1 ? "task " : "tasks ") + join_quoted(p.tasks) + ": " + p.message);
  }
}

}  // namespace spmi
