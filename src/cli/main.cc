// spmi: the command-line entry point. Parses the command line with CLI11,
// sets up the context (state directory, colour, debug) and runs the chosen
// subcommand. Exit codes: see ExitCode in output.h.
#include <cassert>
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/completion.h"
#include "cli/help.h"
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
    {"reload", add_reload_command},
    {"clean", add_clean_command},     {"status", add_status_command}, {"events", add_events_command},
    {"connect", add_connect_command}, {"wait", add_wait_command},     {"logs", add_logs_command},
    {"validate", add_validate_command}, {"run", add_run_command},     {"graph", add_graph_command},
    {"apply", add_apply_command},     {"resurrect", add_resurrect_command},
    {"export", add_export_command},   {"doctor", add_doctor_command}, {"top", add_top_command},
    {"schema", add_schema_command},
    {kControlCommand, add_control_command},
};

// Where the first word after the global options (-d, -q, --color WHEN) is:
// the subcommand's name, another option (--help, --version) or a mistake.
// argc when there is none.
int first_word_at(int argc, char** argv) {
  int i = 1;
  while (i < argc) {
    std::string_view a = argv[i];
    if (a == "-d" || a == "--debug" || a == "-q" || a == "--quiet" || a.rfind("--color=", 0) == 0) ++i;
    else if (a == "--color" && i + 1 < argc) i += 2;
    else break;
  }
  return i;
}

std::vector<std::string> all_command_names() {
  std::vector<std::string> out;
  for (const CommandEntry& e : kCommands) out.emplace_back(e.name);
  return out;
}

const CommandEntry* find_command(std::string_view name) {
  for (const CommandEntry& e : kCommands)
    if (e.name == name) return &e;
  return nullptr;
}
}  // namespace

// `spmi`, `spmi help` and `spmi help CMD`.
int print_help(CLI::App& app, Context& ctx, const char* topic) {
  if (!topic) {
    for (const CommandEntry& e : kCommands) e.add(app, ctx);
    std::fputs(short_help(app).c_str(), stdout);
    return kExitOk;
  }
  const CommandEntry* e = find_command(topic);
  if (!e && std::string_view(topic) == "help") return print_help(app, ctx, nullptr);
  if (!e) {
    print_error(unknown_command_message(topic, all_command_names()));
    return kExitUsage;
  }
  Command c = e->add(app, ctx);
  c.sub->footer(command_footer(e->name.data()));
  std::fputs(c.sub->help("spmi").c_str(), stdout);
  return kExitOk;
}

int run_main(int argc, char** argv) {
  Context ctx;
  CLI::App app{"spmi: a daemonless process manager (Simple Process Management Interface)", "spmi"};
  app.set_version_flag("-v,--version", "spmi " SPMI_VERSION);
  app.add_flag("-d,--debug", ctx.debug, "Print what spmi does on stderr");
  app.add_flag("-q,--quiet", ctx.quiet, "No per-task lines (\"started web\"); problems are still reported");
  std::string color_mode = "auto";
  app.add_option("--color", color_mode, "auto (default: on a terminal, unless NO_COLOR or TERM=dumb), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(std::string("Task patterns are regular expressions matched against whole ids.\n"
                         "State lives in $SPMI_PATH (default ~/.spmi).\n") + kExitCodeHelp);
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
  if (!word) return print_help(app, ctx, nullptr);
  if (std::string_view(word) == "help") {
    if (word_at + 2 < argc) {
      print_error("help: give one command, e.g. 'spmi help start'");
      return kExitUsage;
    }
    return print_help(app, ctx, word_at + 1 < argc ? argv[word_at + 1] : nullptr);
  }
  const CommandEntry* named = find_command(word);
  // CLI11 would only say "A subcommand is required" for a mistyped one.
  if (!named && word[0] != '-') {
    print_error(unknown_command_message(word, all_command_names()));
    return kExitUsage;
  }
  // Building all the subcommands with their options costs about as much
  // as `spmi status` itself (bench/compare.sh): when the command line names
  // one, only that one is registered (parsing and its errors are the same);
  // `spmi --help` and the like get the full table.
  for (const CommandEntry& e : kCommands) {
    if (named && &e != named) continue;
    commands.push_back(e.add(app, ctx));
    assert(commands.back().sub->get_name() == e.name);
    commands.back().sub->footer(command_footer(e.name.data()));
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
    // --help and --version print on stdout and succeed.
    if (e.get_exit_code() == 0) return app.exit(e) == 0 ? kExitOk : kExitUsage;
    const CLI::App* sub = nullptr;
    for (const auto& c : commands)
      if (c.sub->parsed()) sub = c.sub;
    print_error(parse_error_message(app, sub, e));
    return kExitUsage;
  }
  ctx.color = color_mode == "always" || (color_mode == "auto" && want_color(stdout));
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
  if (!(named && (named->name == "validate" || named->name == "doctor" || named->name == "schema"))) {
    std::string note;
    if (!ctx.store.check_trusted(&err, &note)) {
      print_error(err);
      return kExitSystem;
    }
    if (!note.empty()) std::fprintf(stderr, "spmi: note: %s\n", note.c_str());
  }
  print_debug(ctx, "state directory: " + root);
  for (auto& c : commands)
    if (c.sub->parsed()) return c.run();
  return kExitUsage;
}

}  // namespace spmi

int main(int argc, char** argv) {
  int rc;
  try {
    rc = spmi::run_main(argc, argv);
  } catch (const std::exception& e) {
    spmi::print_error(std::string("internal error: ") + e.what());
    rc = spmi::kExitSystem;
  }
  spmi::finish_and_exit(rc);
}
