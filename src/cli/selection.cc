// Choosing tasks: id patterns (PCRE2, whole-id match), -p PROJECT and
// --tag TAG. Within one kind any match selects a task; kinds given together
// must all match (`-p shop 'web.*'`: the web tasks of project shop).
#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "lifecycle/deps.h"
#include "cli/patterns.h"
#include "common/names.h"
#include "common/suggest.h"

namespace spmi {

namespace {
// "; did you mean 'web'?" (suggest.h) when `typed` is a plain name (a pattern with no
// regular-expression syntax but '.') close to one of `names`.
std::string plain_name_guess(const std::string& typed, const std::vector<std::string>& names) {
  for (char c : typed)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return "";
  return did_you_mean(typed, names);
}
}  // namespace

void add_selection_options(CLI::App* sub, Selection& sel, bool optional) {
  sub->add_option("patterns", sel.patterns,
                  optional ? "Task id patterns (regular expressions matching whole ids; default: every task)"
                           : "Task id patterns (regular expressions matching whole ids)");
  sub->add_option("-p,--project", sel.projects, "Only tasks of this project (repeatable)")->allow_extra_args(false);
  sub->add_option("--tag", sel.tags, "Only tasks with this tag (repeatable)")->allow_extra_args(false);
}

namespace {

// A pattern that matched no id may name a task with `instances`: it then
// selects every `<base>.<n>` whose spec says it is an instance of a base the
// pattern matches. Specs are read only for such ids, only after a miss.
void add_instances(const Context& ctx, const std::vector<std::string>& all, std::vector<std::string>* chosen,
                   std::vector<std::string>* missing) {
  std::vector<std::string> bases;
  for (const auto& id : all) {
    size_t dot = id.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == id.size() ||
        id.find_first_not_of("0123456789", dot + 1) != std::string::npos)
      continue;
    if (!contains(bases, id.substr(0, dot))) bases.push_back(id.substr(0, dot));
  }
  if (bases.empty()) return;
  std::vector<std::string> still;
  std::set<std::string> picked;
  for (const auto& p : *missing) {
    PatternSet one;
    std::vector<std::string> matched, none;
    std::string err;
    if (!one.compile({p}, &err) || !one.select(bases, &matched, &none, &err) || matched.empty()) {
      still.push_back(p);
      continue;
    }
    bool any = false;
    for (const auto& id : all) {
      size_t dot = id.rfind('.');
      if (dot == std::string::npos || !contains(matched, id.substr(0, dot))) continue;
      TaskSpec spec;
      if (ctx.store.read_spec(id, &spec, &err) && spec.instance_of == id.substr(0, dot)) {
        picked.insert(id);
        any = true;
      }
    }
    if (!any) still.push_back(p);
  }
  *missing = std::move(still);
  if (picked.empty()) return;
  // In the store's order, each once.
  std::vector<std::string> merged;
  const std::set<std::string_view> was_chosen(chosen->begin(), chosen->end());
  for (const auto& id : all)
    if (was_chosen.count(id) || picked.count(id)) merged.push_back(id);
  *chosen = std::move(merged);
}

// A pattern of letters, digits, '_' and '-' only: as a whole-id regular
// expression it matches exactly the id it spells, nothing else.
bool plain_id(const std::string& p) {
  return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// `spmi status web` among 10,000 tasks: when every pattern is a plain id
// and every one names a loaded task, the selection is those tasks, found
// without listing the state directory. False (nothing chosen) otherwise,
// for the general path to match, suggest and report.
bool select_named(const Store& store, const std::vector<std::string>& patterns, std::vector<std::string>* ids) {
  if (patterns.empty() || !std::all_of(patterns.begin(), patterns.end(), plain_id)) return false;
  std::vector<std::string> named(patterns);
  std::sort(named.begin(), named.end());  // the store's order (list_ids)
  named.erase(std::unique(named.begin(), named.end()), named.end());
  for (const auto& id : named)
    if (!store.has_task(id)) return false;
  *ids = std::move(named);
  return true;
}

}  // namespace

bool select_tasks(const Context& ctx, const Selection& sel, std::vector<std::string>* ids, bool* unmatched,
                  int* exit_code, bool all_when_empty) {
  *unmatched = false;
  if (sel.empty() && !all_when_empty) {
    print_error("which tasks? give id patterns, -p PROJECT or --tag TAG ('.*' selects every task)");
    *exit_code = kExitUsage;
    return false;
  }
  PatternSet set;
  std::string err;
  if (!sel.patterns.empty() && !set.compile(sel.patterns, &err)) {
    print_error(err);
    *exit_code = kExitUsage;
    return false;
  }
  if (sel.projects.empty() && sel.tags.empty() && select_named(ctx.store, sel.patterns, ids)) return true;
  std::vector<std::string> all, missing;
  if (!ctx.store.list_ids(&all, &err)) {
    print_error(err);
    *exit_code = kExitSystem;
    return false;
  }
  std::vector<std::string> chosen = all;
  if (!sel.patterns.empty()) {
    chosen.clear();
    if (!set.select(all, &chosen, &missing, &err)) {
      print_error(err);
      *exit_code = kExitUsage;
      return false;
    }
    add_instances(ctx, all, &chosen, &missing);
    for (const auto& p : missing) print_error("no loaded task matches '" + p + "'" + plain_name_guess(p, all));
  }
  if (!sel.projects.empty() || !sel.tags.empty()) {
    // Projects and tags live in the specs: read them only when asked.
    std::vector<std::string> seen_projects, seen_tags, kept, all_projects, all_tags;
    for (const auto& [id, spec] : stored_specs(ctx.store)) {
      if (!spec.project.empty() && !contains(all_projects, spec.project)) all_projects.push_back(spec.project);
      for (const auto& t : spec.tags)
        if (!contains(all_tags, t)) all_tags.push_back(t);
      bool in_project = sel.projects.empty() || contains(sel.projects, spec.project);
      bool tagged = sel.tags.empty();
      for (const auto& t : spec.tags) {
        if (!contains(sel.tags, t)) continue;
        tagged = true;
        if (!contains(seen_tags, t)) seen_tags.push_back(t);
      }
      if (!spec.project.empty() && contains(sel.projects, spec.project) && !contains(seen_projects, spec.project))
        seen_projects.push_back(spec.project);
      if (in_project && tagged && contains(chosen, id)) kept.push_back(id);
    }
    for (const auto& p : sel.projects)
      if (!contains(seen_projects, p)) {
        print_error("no loaded task belongs to project '" + p + "'" + plain_name_guess(p, all_projects));
        missing.push_back(p);
      }
    for (const auto& t : sel.tags)
      if (!contains(seen_tags, t)) {
        print_error("no loaded task has the tag '" + t + "'" + plain_name_guess(t, all_tags));
        missing.push_back(t);
      }
    if (kept.empty() && missing.empty()) {
      std::string what;
      if (!sel.patterns.empty()) what += "patterns " + join_quoted(sel.patterns);
      if (!sel.projects.empty()) what += std::string(what.empty() ? "" : ", ") + "projects " + join_quoted(sel.projects);
      if (!sel.tags.empty()) what += std::string(what.empty() ? "" : ", ") + "tags " + join_quoted(sel.tags);
      print_error("no loaded task matches all of: " + what);
      missing.push_back(what);
    }
    chosen = std::move(kept);
  }
  *ids = std::move(chosen);
  *unmatched = !missing.empty();
  return true;
}

bool select_tasks(const Context& ctx, const std::vector<std::string>& patterns, std::vector<std::string>* ids,
                  bool* unmatched, int* exit_code) {
  Selection sel;
  sel.patterns = patterns;
  return select_tasks(ctx, sel, ids, unmatched, exit_code, false);
}

}  // namespace spmi
