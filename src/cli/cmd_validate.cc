// spmi validate <files>...: everything `load` checks (syntax, schema, ids,
// durations, cron expressions, time zones, users, the same id twice), plus
// what only this machine can tell: that argv programs exist and are
// executable, and that working directories, env files and @file secrets
// exist. Every problem, with file:line:column; touches nothing. Exit 0 when
// valid, 1 when not.
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "cli/commands.h"
#include "lifecycle/deps.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

struct Options {
  std::vector<std::string> paths;
};

// The position of task.wrapper.<key> of task `id` (or of task.wrapper, or
// of the task, when the key comes from a project's defaults).
SourcePos wrapper_pos(const Document& doc, const std::string& id, const char* key) {
  const Node* task = find_task_node(doc, id);
  const Node* wrapper = task ? task->find("wrapper") : nullptr;
  if (!wrapper) return task ? task->pos : doc.root.pos;
  const Node* n = key ? wrapper->find(key) : nullptr;
  return n ? n->pos : wrapper->pos;
}

// Looks for `program` as execvp would, with the PATH the task will have.
bool find_program(const TaskSpec& spec, const std::string& program, std::string* why) {
  auto executable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    std::string p = program[0] == '/' ? program : spec.cwd + "/" + program;
    if (executable(p)) return true;
    *why = "'" + program + "' is not an executable file";
    return false;
  }
  std::string path;
  for (const auto& [k, v] : spec.env)
    if (k == "PATH") path = v;
  if (path.empty()) path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find(':', pos);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(pos, end - pos);
    if (executable((dir.empty() ? "." : dir) + "/" + program)) return true;
    pos = end + 1;
  }
  *why = "'" + program + "' is not found in PATH (" + path + ")";
  return false;
}

void check_host(const Document& doc, const TaskSpec& spec, std::vector<Diagnostic>* diags) {
  auto problem = [&](const char* key, const std::string& msg) {
    diags->push_back({doc.path, wrapper_pos(doc, spec.id, key), "task '" + spec.id + "': " + msg});
  };
  std::string why;
  if (!spec.argv.empty() && !find_program(spec, spec.argv[0], &why)) problem("command", "task.wrapper.command: " + why);
  struct stat st {};
  if (!spec.cwd.empty() && (::stat(spec.cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    problem("cwd", "task.wrapper.cwd: '" + spec.cwd + "' is not a directory");
  if (!spec.process.env_file.empty() && ::access(spec.process.env_file.c_str(), R_OK) != 0)
    problem("env_file", "task.wrapper.env_file: cannot read '" + spec.process.env_file + "'");
  for (const auto& [k, v] : spec.env) {
    if (v.rfind("@file:", 0) != 0) continue;
    std::string file = v.substr(6);
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 64 * 1024)
      problem("env", "task.wrapper.env." + k + ": @file:" + file + " is not a readable regular file of at most 64 KiB");
  }
}

int run_validate(Context& ctx, const Options& opts) {
  std::vector<Diagnostic> diags;
  std::map<std::string, std::string> first_file;
  std::vector<TaskSpec> incoming;  // the valid files' tasks, for the dependency checks
  for (const auto& path : opts.paths) {
    Document doc;
    std::vector<TaskSpec> specs, partial;
    if (!load_descriptor(path, &doc, &specs, &diags, &partial, ctx.store.root())) {
      // Still check what could be built: every problem in one run.
      for (const auto& spec : partial) check_host(doc, spec, &diags);
      continue;
    }
    for (auto& spec : specs) {
      auto [it, fresh] = first_file.emplace(spec.id, path);
      if (!fresh) diags.push_back({path, {}, "task id '" + spec.id + "' is also defined in " + it->second});
      check_host(doc, spec, &diags);
      incoming.push_back(std::move(spec));
    }
  }
  for (const auto& p : new_dependency_problems(stored_specs(ctx.store), incoming)) diags.push_back({"dependencies", {}, p});
  for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (!diags.empty()) {
    print_error("invalid: " + std::to_string(diags.size()) + " problem(s)");
    return kExitFailure;
  }
  std::printf("valid: %zu task(s) in %zu file(s)\n", incoming.size(), opts.paths.size());
  return kExitOk;
}

}  // namespace

Command add_validate_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("validate", "Check descriptors completely without loading anything");
  sub->add_option("paths", opts->paths, "Descriptor files (.toml, .yaml, .yml, .json)")->required();
  return {sub, [&ctx, opts] { return run_validate(ctx, *opts); }};
}

}  // namespace spmi
