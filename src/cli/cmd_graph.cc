// spmi graph [files|patterns]... [-p PROJECT] [--tag TAG] [--json |
// --format text|dot|json]: the dependency graph of descriptor files (nothing
// is loaded) or of the loaded tasks selected (with what they depend on), in
// start order. Read-only.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "lifecycle/deps.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

struct GraphOptions {
  std::vector<std::string> args;
  std::vector<std::string> projects, tags;
  std::string format = "text";
  bool json = false;  // --json: --format json
};

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

int run_graph(Context& ctx, const GraphOptions& opts) {
  const std::string format = opts.json ? "json" : opts.format;
  if (format != "text" && format != "dot" && format != "json") {
    print_error("--format: unknown format '" + format + "' (known: text, dot, json)");
    return kExitUsage;
  }
  TaskSpecs all;
  std::vector<std::string> roots, patterns;
  bool unmatched = false;
  for (const auto& a : opts.args) {
    if (!is_file(a)) {
      patterns.push_back(a);
      continue;
    }
    Document doc;
    std::vector<TaskSpec> specs;
    std::vector<Diagnostic> diags;
    if (!load_descriptor(a, &doc, &specs, &diags)) {
      for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.format().c_str());
      return kExitFailure;
    }
    for (auto& s : specs) {
      roots.push_back(s.id);
      all[s.id] = std::move(s);
    }
  }
  if (!patterns.empty() || opts.args.empty() || !opts.projects.empty() || !opts.tags.empty()) {
    TaskSpecs stored = stored_specs(ctx.store);
    for (auto& [id, s] : stored) all.emplace(id, s);
    std::vector<std::string> ids;
    int code = kExitOk;
    Selection sel{patterns, opts.projects, opts.tags};
    if (!select_tasks(ctx, sel, &ids, &unmatched, &code, true)) return code;
    roots.insert(roots.end(), ids.begin(), ids.end());
  }
  std::vector<std::string> order = with_dependencies(all, roots);
  std::vector<std::string> problems = check_dependencies(all);
  if (format == "json") {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& id : order) {
      auto it = all.find(id);
      nlohmann::json t = {{"id", id}, {"loaded", it != all.end()}};
      if (it != all.end()) {
        t["depends_on"] = it->second.depends_on;
        t["start_when"] = it->second.start_when;
      }
      tasks.push_back(t);
    }
    std::printf("%s\n", nlohmann::json({{"schema", 1}, {"start_order", order}, {"tasks", tasks},
                                        {"problems", problems}}).dump(2).c_str());
  } else if (format == "dot") {
    std::printf("digraph spmi {\n  rankdir=LR;\n");
    for (const auto& id : order) {
      std::printf("  \"%s\";\n", id.c_str());
      auto it = all.find(id);
      if (it == all.end()) continue;
      for (const auto& d : it->second.depends_on)
        std::printf("  \"%s\" -> \"%s\" [label=\"%s\"];\n", d.c_str(), id.c_str(), it->second.start_when.c_str());
    }
    std::printf("}\n");
  } else {
    for (const auto& id : order) {
      auto it = all.find(id);
      if (it == all.end()) std::printf("%s  (not loaded)\n", id.c_str());
      else if (it->second.depends_on.empty()) std::printf("%s\n", id.c_str());
      else {
        std::string deps;
        for (const auto& d : it->second.depends_on) deps += (deps.empty() ? "" : ", ") + d;
        std::printf("%s  <- %s (when %s)\n", id.c_str(), deps.c_str(), it->second.start_when.c_str());
      }
    }
  }
  for (const auto& p : problems) print_error(p);
  return combine_exit(!problems.empty(), unmatched);
}

}  // namespace

Command add_graph_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<GraphOptions>();
  CLI::App* sub = app.add_subcommand("graph", "Show the dependency graph in start order (files or loaded tasks)");
  sub->add_option("args", opts->args, "Descriptor files, or patterns of loaded tasks (default: every task)");
  sub->add_option("-p,--project", opts->projects, "Only loaded tasks of this project (repeatable)")->allow_extra_args(false);
  sub->add_option("--tag", opts->tags, "Only loaded tasks with this tag (repeatable)")->allow_extra_args(false);
  sub->add_flag("--json", opts->json, "The graph as JSON (the same as --format json)");
  sub->add_option("--format", opts->format, "text (default), dot or json");
  return {sub, [&ctx, opts] { return run_graph(ctx, *opts); }};
}

}  // namespace spmi
