// spmi run [--name ID] [options] -- CMD ARGS...: create, load and start a
// task from the command line, like systemd-run, without a descriptor file.
// The options become an in-memory JSON descriptor that goes through the same
// validation as `spmi load`; the task's stored descriptor copy is that JSON.
#include <sys/random.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/wait.h"
#include "lifecycle/start.h"
#include "cli/descriptor_files.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

struct RunOptions {
  std::string name;
  std::string comment;
  std::string backend = "native";
  std::string wrapper;
  std::string restart;
  std::vector<std::string> env;
  std::vector<std::string> tags;
  std::string project;
  std::string cwd;
  WaitAfterStart wait;
  std::vector<std::string> command;
};

// "run-<program>-<4 hex>", from the program's base name.
std::string generated_name(const std::string& program) {
  std::string base = program.substr(program.find_last_of('/') + 1), clean;
  for (char c : base)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') clean += c;
  if (clean.empty() || clean[0] == '.') clean = "task";
  clean = clean.substr(0, 40);
  unsigned short r = 0;
  if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) r = static_cast<unsigned short>(::getpid());
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", r);
  return "run-" + clean + "-" + suffix;
}

int run_run(Context& ctx, RunOptions& opts) {
  if (opts.command.empty()) {
    print_error("run: give the command after --, e.g. spmi run -- sleep 60");
    return kExitUsage;
  }
  if (!opts.wait.parse()) return kExitUsage;
  std::string id = opts.name;
  for (int tries = 0; id.empty() || (opts.name.empty() && ctx.store.has_task(id) && tries < 10); ++tries)
    id = generated_name(opts.command[0]);
  if (ctx.store.has_task(id)) {
    print_error("run: a task '" + id + "' is already loaded (choose another --name, or 'spmi clean " + id + "')");
    return kExitFailure;
  }
  char here[PATH_MAX];
  std::string cwd = opts.cwd.empty() ? (::getcwd(here, sizeof here) ? here : "/") : opts.cwd;
  nlohmann::json wrapper = {{"command", opts.command}, {"cwd", cwd}};
  std::string type = opts.wrapper.empty() ? (opts.restart.empty() ? "default" : "watchdog") : opts.wrapper;
  wrapper["type"] = type;
  if (!opts.restart.empty()) wrapper["restart"] = opts.restart;
  nlohmann::json env = nlohmann::json::object();
  for (const auto& e : opts.env) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      print_error("run: --env '" + e + "': expected NAME=VALUE");
      return kExitUsage;
    }
    env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  if (!env.empty()) wrapper["env"] = env;
  nlohmann::json task = {{"id", id}, {"backend", {{"type", opts.backend}}}, {"wrapper", wrapper}};
  if (!opts.comment.empty()) task["comment"] = opts.comment;
  if (!opts.tags.empty()) task["tags"] = opts.tags;
  std::string why;
  if (!opts.project.empty() && !valid_task_id(opts.project, &why)) {
    print_error("run: --project '" + opts.project + "' is not a valid project name: it " + why);
    return kExitUsage;
  }
  // The task is stored as a JSON descriptor, and JSON is UTF-8: name the
  // first word that is not (nlohmann's own check, which used to escape as
  // an "internal error").
  std::vector<std::pair<std::string, std::string>> words = {{"--name", opts.name}, {"--comment", opts.comment},
                                                            {"--cwd", opts.cwd}};
  for (size_t i = 0; i < opts.command.size(); ++i) words.emplace_back("command word " + std::to_string(i + 1), opts.command[i]);
  for (const auto& e : opts.env) words.emplace_back("--env", e);
  for (const auto& [what, word] : words) {
    try {
      (void)nlohmann::json(word).dump();
    } catch (const nlohmann::json::type_error&) {
      print_error("run: " + what + " is not valid UTF-8; spmi run stores the command as JSON, which must be (write a "
                  "descriptor file with the bytes escaped instead)");
      return kExitUsage;
    }
  }
  std::string text = nlohmann::json({{"task", task}}).dump(2) + "\n";

  // Validated exactly as a descriptor file would be.
  char tmpl[] = "/tmp/spmi-run-XXXXXX.json";
  int fd = ::mkstemps(tmpl, 5);
  if (fd < 0 || !write_all(fd, text)) {
    print_error(std::string("run: cannot write a temporary descriptor: ") + errno_text(errno));
    if (fd >= 0) ::close(fd);
    return kExitSystem;
  }
  ::close(fd);
  Document doc;
  std::vector<TaskSpec> specs;
  std::vector<Diagnostic> diags;
  bool ok = load_descriptor(tmpl, &doc, &specs, &diags, nullptr, ctx.store.root());
  ::unlink(tmpl);
  if (!ok) {
    for (const auto& d : diags) print_error("run: " + d.message);
    return kExitUsage;
  }
  TaskSpec spec = specs.at(0);
  spec.source = "spmi run";
  spec.project = opts.project;
  std::string err;
  if (!ctx.store.ensure_root(&err)) {
    print_error("run: " + err);
    return kExitSystem;  // as load: the state directory cannot be made
  }
  if (StoreWrite w = ctx.store.create_task(spec, DescriptorCopy{text, "json", ""}, &err); w != StoreWrite::Done) {
    print_error("run: " + err);
    return store_exit_code(w);
  }
  ctx.reporter.done("loaded " + id + " (spmi run)");
  if (!start_task(ctx.session(), id)) {
    print_error("run: " + id + " stays loaded: 'spmi status " + id + "' says why, 'spmi clean " + id + "' removes it");
    return kExitFailure;
  }
  return opts.wait.finish(ctx, {id}, false, kExitOk);
}

}  // namespace

Command add_run_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Create, load and start a task from a command line: spmi run -- CMD ARGS...");
  sub->add_option("--name", opts->name, "The task id (default: run-<program>-<random>)");
  sub->add_option("--comment", opts->comment, "A comment for list and status");
  sub->add_option("--backend", opts->backend, "native (default), screen or tmux");
  sub->add_option("--wrapper", opts->wrapper, "default or watchdog (default: watchdog with --restart, else default)");
  sub->add_option("--restart", opts->restart, "never, on-failure or always (makes it a watchdog)");
  sub->add_option("--env", opts->env, "NAME=VALUE for the task's environment (repeatable)");
  sub->add_option("--cwd", opts->cwd, "Working directory (default: the current one)");
  sub->add_option("--tag", opts->tags, "A tag for --tag selection (repeatable)")->allow_extra_args(false);
  sub->add_option("-p,--project", opts->project, "Make it a task of this project (for -p selection)");
  opts->wait.add_options(sub, "it is ready");
  // Everything from the command on is the command's, options included.
  sub->prefix_command();
  sub->fallthrough(false);
  sub->allow_extras();
  return {sub, [&ctx, opts, sub] {
            opts->command = sub->remaining();
            if (ctx.has_command_after_dashes) {
              if (!opts->command.empty()) {
                print_error("run: unexpected '" + opts->command[0] + "' before -- (the command goes after --)");
                return static_cast<int>(kExitUsage);
              }
              opts->command = ctx.command_after_dashes;
            } else if (!opts->command.empty() && opts->command[0][0] == '-') {
              print_error("run: unknown option '" + opts->command[0] + "' (the command goes after --)");
              return static_cast<int>(kExitUsage);
            }
            return run_run(ctx, *opts);
          }};
}

}  // namespace spmi
