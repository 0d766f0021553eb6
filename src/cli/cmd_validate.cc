// spmi validate <files>...: everything `load` checks (syntax, schema, ids,
// durations, cron expressions, time zones, users, the same id twice), plus
// what only this machine can tell: that argv programs exist and are
// executable, and that working directories, env files and @file secrets
// exist (descriptor_files.h). Every problem, with file:line:column, or with
// --json as one document for editors and CI; touches nothing. Exit 0 when
// valid, 1 when not.
#include <map>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/descriptor_files.h"
#include "cli/view_format.h"
#include "lifecycle/deps.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

struct ValidateOptions {
  std::vector<std::string> paths;
  bool json = false;
};

// A problem as JSON: file, line, column (null when unknown), the task and
// the descriptor key it is about when the message names them, the message.
nlohmann::json problem_json(const Diagnostic& d) {
  std::string msg = d.message, task;
  // "task 'web': task.wrapper.command: ..." (what check_host and projects say)
  if (msg.rfind("task '", 0) == 0) {
    size_t close = msg.find("': ");
    if (close != std::string::npos) {
      task = msg.substr(6, close - 6);
      msg = msg.substr(close + 3);
    }
  }
  // The key: "unknown key 'task.x'", "missing required key 'task.x'", or a
  // leading "task.wrapper.stop_timeout: ".
  std::string key;
  size_t quoted = msg.find("key '");
  if (quoted != std::string::npos && quoted < 24) {
    key = msg.substr(quoted + 5, msg.find('\'', quoted + 5) - quoted - 5);
  } else {
    size_t colon = msg.find(": ");
    std::string head = msg.substr(0, colon);
    bool dotted = colon != std::string::npos && (head.rfind("task", 0) == 0 || head.rfind("project", 0) == 0) &&
                  head.find(' ') == std::string::npos;
    if (dotted) key = head;
  }
  auto or_null = [](int n) { return n > 0 ? nlohmann::json(n) : nlohmann::json(nullptr); };
  return {{"file", d.file},
          {"line", or_null(d.pos.line)},
          {"column", or_null(d.pos.column)},
          {"task", task.empty() ? nlohmann::json(nullptr) : nlohmann::json(task)},
          {"key", key.empty() ? nlohmann::json(nullptr) : nlohmann::json(key)},
          {"message", d.message}};
}

int run_validate(Context& ctx, const ValidateOptions& opts) {
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
  if (opts.json) {
    nlohmann::json problems = nlohmann::json::array(), ids = nlohmann::json::array();
    for (const auto& d : diags) problems.push_back(problem_json(d));
    for (const auto& t : incoming) ids.push_back(t.id);
    print_json({{"schema", kJsonSchemaVersion},
                {"valid", diags.empty()},
                {"files", opts.paths},
                {"tasks", ids},
                {"problems", problems}});
    return diags.empty() ? kExitOk : kExitFailure;
  }
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
  auto opts = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand("validate", "Check descriptors completely without loading anything");
  sub->add_option("paths", opts->paths, "Descriptor files (.toml, .yaml, .yml, .json)")->required();
  sub->add_flag("--json", opts->json,
                "Print every problem as JSON: file, line, column, task, key, message (for editors and CI)");
  return {sub, [&ctx, opts] { return run_validate(ctx, *opts); }};
}

}  // namespace spmi
