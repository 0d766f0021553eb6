// spmi: the command-line entry point. Parses the command line with CLI11,
// sets up the context (state directory, colour, debug) and runs the chosen
// subcommand. Exit codes: see ExitCode in output.h.
#include <cassert>
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/completion.h"
#include "cli/patterns.h"
#include "spmi_version.h"

namespace spmi {

namespace {
// One line per subcommand (tmux's cmd_table, ninja's kTools). The name must
// be the one the adder registers: it lets a command line that names its
// subcommand register only that one (see run_main).
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
    {"apply", add_apply_command},     {"resurrect", add_resurrect_command},
    {"export", add_export_command},   {"doctor", add_doctor_command}, {"top", add_top_command},
};

// Where the first word after the global -d is: the subcommand's name, an
// option (--help, --version) or a mistake. argc when there is none.
int first_word_at(int argc, char** argv) {
  int i = 1;
  while (i < argc && (std::string_view(argv[i]) == "-d" || std::string_view(argv[i]) == "--debug")) ++i;
  return i;
}

const CommandEntry* find_command(std::string_view name) {
  for (const CommandEntry& e : kCommands)
    if (e.name == name) return &e;
  return nullptr;
}
}  // namespace

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
  const int word_at = first_word_at(argc, argv);
  const char* word = word_at < argc ? argv[word_at] : nullptr;
  if (word && std::string_view(word) == kCompleteCommand) {
    // The shell completions' helper: every subcommand, nothing parsed.
    for (const CommandEntry& e : kCommands) commands.push_back(e.add(app, ctx));
    std::vector<std::string> args(argv + word_at + 1, argv + argc);
    std::string err;
    return run_completion(app, Store(default_spmi_path(&err)), args);
  }
  const CommandEntry* named = word ? find_command(word) : nullptr;
  // CLI11 would only say "A subcommand is required" for a mistyped one.
  if (word && !named && word[0] != '-') {
    print_error(std::string("unknown command '") + word + "' (spmi --help lists them)");
    return kExitUsage;
  }
  // Building all sixteen subcommands with their options costs about as much
  // as `spmi status` itself (bench/compare.sh): when the command line names
  // one, only that one is registered (parsing and its errors are the same);
  // `spmi --help` and the like get the full table.
  for (const CommandEntry& e : kCommands) {
    if (named && &e != named) continue;
    commands.push_back(e.add(app, ctx));
    assert(commands.back().sub->get_name() == e.name);
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
  // validate never touches the state directory, and doctor reports what is
  // wrong with it; every other command trusts it to hold only what this
  // user put there.
  if (!(named && (named->name == "validate" || named->name == "doctor"))) {
    std::string note;
    if (!ctx.store.check_trusted(&err, &note)) {
      print_error(err);
      return kExitSystem;
    }
    if (!note.empty()) std::fprintf(stderr, "spmi: note: %s\n", note.c_str());
  }
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
