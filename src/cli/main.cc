// spmi: the command-line entry point. Parses the command line with CLI11,
// sets up the context (state directory, colour, debug) and runs the chosen
// subcommand. Exit codes: see ExitCode in output.h.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/patterns.h"
#include "spmi_version.h"

namespace spmi {

namespace {
// One line per subcommand (tmux's cmd_table, ninja's kTools).
constexpr CommandAdder kCommands[] = {
    add_load_command,   add_list_command,    add_start_command,  add_stop_command,   add_kill_command,
    add_restart_command, add_clean_command, add_status_command, add_events_command, add_connect_command,
    add_wait_command,   add_logs_command,    add_validate_command, add_run_command,
    add_graph_command,  add_apply_command,
};
}  // namespace

Fd lock_and_inspect(const Context& ctx, const std::string& id, TaskView* view) {
  std::string err;
  Fd lock = ctx.store.lock_task(id, kTaskLockWaitMs, &err);
  if (!lock.valid()) {
    print_error(id + ": " + err);
    return lock;
  }
  *view = inspect_task(ctx.store, id);
  return lock;
}

int run_main(int argc, char** argv) {
  Context ctx;
  CLI::App app{"spmi: a daemonless process manager (Simple Process Management Interface)", "spmi"};
  app.set_version_flag("-v,--version", "spmi " SPMI_VERSION);
  app.add_flag("-d,--debug", ctx.debug, "Print what spmi does on stderr");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Task patterns are regular expressions matched against whole ids.\n"
             "State lives in $SPMI_PATH (default ~/.spmi). Exit codes: 0 ok, 1 a task failed,\n"
             "2 usage error, 3 a pattern matched nothing, 4 system error.");
  std::vector<Command> commands;
  for (CommandAdder add : kCommands) commands.push_back(add(app, ctx));
  // For `spmi run`, everything after "--" is the command, whatever it looks
  // like: it never reaches the option parser.
  int first = 1;
  while (first < argc && argv[first][0] == '-' && std::string_view(argv[first]) != "--") ++first;
  if (first < argc && std::string_view(argv[first]) == "run") {
    for (int i = first + 1; i < argc; ++i) {
      if (std::string_view(argv[i]) != "--") continue;
      ctx.has_command_after_dashes = true;
      ctx.command_after_dashes.assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  std::string err;
  std::string root = default_spmi_path(&err);
  if (root.empty()) {
    print_error(err);
    return kExitSystem;
  }
  ctx.store = Store(root);
  ctx.color = want_color(stdout);
  print_debug(ctx, "state directory: " + root);
  for (auto& c : commands)
    if (c.sub->parsed()) return c.run();
  return kExitUsage;
}

}  // namespace spmi

int main(int argc, char** argv) {
  try {
    return spmi::run_main(argc, argv);
  } catch (const std::exception& e) {
    spmi::print_error(std::string("internal error: ") + e.what());
    return spmi::kExitSystem;
  }
}
