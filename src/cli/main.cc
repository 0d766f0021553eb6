// spmi: the command-line entry point. Parses the command line with CLI11,
// sets up the context (state directory, colour, debug) and runs the chosen
// subcommand. Exit codes: see ExitCode in output.h.
#include <cassert>
#include <cstdio>
#include <string_view>
#include <vector>
#include <exception>

#include "cli/commands.h"
#include "cli/patterns.h"
#include "spmi_version.h"

namespace spmi {

namespace {
// One line per subcommand (tmux's cmd_table, ninja's kTools). The name must
// be the one the adder registers: it lets a command line that names its
// subcommand register only that one (see commands_to_register).
struct CommandEntry {
  std::string_view name;
  CommandAdder add;
};
constexpr CommandEntry kCommands[] = {
    {"load", add_load_command},       {"list", add_list_command},     {"start", add_start_command},
    {"stop", add_stop_command},       {"kill", add_kill_command},     {"restart", add_restart_command},
    {"clean", add_clean_command},     {"status", add_status_command}, {"events", add_events_command},
    {"connect", add_connect_command}, {"wait", add_wait_command},     {"logs", add_logs_command},
    {"validate", add_validate_command}, {"run", add_run_command},     {"graph", add_graph_command},
    {"apply", add_apply_command},
};

// Building all sixteen subcommands with their options costs about as much as
// `spmi status` itself (bench/compare.sh). When the first word after the
// global -d is a known subcommand, only that one is registered: parsing and
// its errors are the same, and `spmi --help` (or an unknown word) still gets
// the full table.
int first_word(int argc, char** argv) {
  int i = 1;
  while (i < argc && (std::string_view(argv[i]) == "-d" || std::string_view(argv[i]) == "--debug")) ++i;
  return i;
}

bool is_command(std::string_view word) {
  for (const CommandEntry& e : kCommands)
    if (e.name == word) return true;
  return false;
}

// The first word when it is neither an option nor a subcommand, else null.
const char* unknown_command(int argc, char** argv) {
  int i = first_word(argc, argv);
  if (i >= argc || argv[i][0] == '-' || is_command(argv[i])) return nullptr;
  return argv[i];
}

std::vector<const CommandEntry*> commands_to_register(int argc, char** argv) {
  std::vector<const CommandEntry*> all;
  for (const CommandEntry& e : kCommands) all.push_back(&e);
  int i = first_word(argc, argv);
  if (i >= argc) return all;
  for (const CommandEntry& e : kCommands)
    if (e.name == argv[i]) return {&e};
  return all;
}
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
  // CLI11 would only say "A subcommand is required" for a mistyped one.
  if (const char* word = unknown_command(argc, argv)) {
    print_error(std::string("unknown command '") + word + "' (spmi --help lists them)");
    return kExitUsage;
  }
  for (const CommandEntry* e : commands_to_register(argc, argv)) {
    commands.push_back(e->add(app, ctx));
    assert(commands.back().sub->get_name() == e->name);
  }
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
