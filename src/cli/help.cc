// spmi's own help texts and usage-error messages (help.h).
#include "cli/help.h"

#include <cstring>
#include <string_view>

#include <CLI/CLI.hpp>

#include "common/suggest.h"

namespace spmi {

const char* const kExitCodeHelp =
    "Exit codes: 0 ok; 1 a task failed or was refused, or a descriptor is invalid;\n"
    "2 usage error; 3 a pattern matched no task; 4 system error (state directory,\n"
    "permissions, output not written); 5 timed out (wait, start --wait).";

namespace {

struct Examples {
  const char* name;
  const char* lines;
};

// One or two examples per command, as a user would type them.
constexpr Examples kExamples[] = {
    {"load", "spmi load descriptors/*.toml\n  spmi load --replace web.yaml"},
    {"list", "spmi list\n  spmi list -p shop --json | jq '.tasks[].id'"},
    {"start", "spmi start 'web_.*'\n  spmi start --tag db --wait --for healthy --timeout 1m"},
    {"stop", "spmi stop web\n  spmi stop -p shop --json"},
    {"kill", "spmi kill 'worker_[0-9]+'\n  spmi kill --no-deps db"},
    {"restart", "spmi restart web\n  spmi restart -p shop -q"},
    {"reload", "spmi reload web\n  spmi reload -p shop --json"},
    {"clean", "spmi clean 'old_.*'\n  spmi clean -p experiments"},
    {"status", "spmi status web\n  spmi status 'web_.*' -n 20 --json"},
    {"events", "spmi events web --since 1h\n  spmi events -f"},
    {"connect", "spmi connect web        (detach: Ctrl-] then d)\n  spmi connect web --follow"},
    {"wait", "spmi wait web --for ready --timeout 30s\n  spmi wait --tag batch --for exited --timeout 0 --json"},
    {"logs", "spmi logs web -n 100\n  spmi logs -f --grep ERROR 'web_.*'"},
    {"validate", "spmi validate descriptors/*.toml\n  spmi validate --json web.yaml | jq '.problems'"},
    {"run", "spmi run -- python3 -m http.server 8000\n  spmi run --name api --restart on-failure -p tools -- ./api"},
    {"graph", "spmi graph shop.toml\n  spmi graph -p shop --json"},
    {"apply", "spmi apply --dry-run shop.toml\n  spmi apply --prune shop.toml"},
    {"resurrect", "spmi resurrect\n  spmi resurrect -n"},
    {"export", "spmi export systemd\n  spmi export systemd --system"},
    {"doctor", "spmi doctor\n  spmi doctor --json"},
    {"top", "spmi top\n  spmi top -p shop --sort mem"},
    {"schema", "spmi schema > spmi.schema.json"},
    {"help", "spmi help start"},
};

}  // namespace

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
    for (const auto& s : o->get_snames()) out.push_back("-" + s);
  }
  return out;
}

std::string command_footer(const std::string& name) {
  std::string out;
  for (const auto& e : kExamples)
    if (name == e.name) out = std::string("Examples:\n  ") + e.lines + "\n\n";
  out += "Task patterns are regular expressions matched against whole ids.\n"
         "State lives in $SPMI_PATH (default ~/.spmi). Docs: man spmi, man 5 spmi-descriptor.\n";
  return out + kExitCodeHelp;
}

std::string short_help(CLI::App& app) {
  std::string out =
      "spmi: a daemonless process manager\n\n"
      "Usage: spmi [-d] [-q] [--color WHEN] COMMAND [ARGS...]\n\n"
      "Commands:\n";
  size_t width = 0;
  auto subs = app.get_subcommands([](CLI::App* sub) { return !sub->get_group().empty(); });  // not the hidden
  for (const CLI::App* sub : subs) width = std::max(width, sub->get_name().size());
  for (const CLI::App* sub : subs) {
    std::string name = sub->get_name();
    out += "  " + name + std::string(width - name.size() + 2, ' ') + sub->get_description() + "\n";
  }
  out +=
      "\nGlobal options: -d/--debug (say what spmi does), -q/--quiet (no per-task lines),\n"
      "--color=auto|always|never, -v/--version, -h/--help.\n\n"
      "'spmi help COMMAND' or 'spmi COMMAND --help' shows a command's options and examples.\n"
      "Docs: man spmi, man 5 spmi-descriptor; the guide is docs/sphinx in the source tree.\n";
  return out + kExitCodeHelp + "\n";
}

std::string unknown_command_message(const std::string& word, const std::vector<std::string>& names) {
  return "unknown command '" + word + "'" + did_you_mean(word, names) + " ('spmi help' lists the commands)";
}

std::string parse_error_message(const CLI::App& app, const CLI::App* sub, const CLI::ParseError& e) {
  std::string what = e.what();
  std::string where = sub ? sub->get_name() + ": " : "";
  std::string help = sub ? "'spmi " + sub->get_name() + " --help'" : "'spmi help'";
  std::string near;
  // "The following argument was not expected: -q" (CLI11's ExtrasError).
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    size_t colon = what.find(": ");
    std::string args = colon == std::string::npos ? "" : what.substr(colon + 2);
    std::string first = args.substr(0, args.find(' '));
    if (!first.empty() && first[0] == '-') {
      std::vector<std::string> names = option_names(app);
      if (sub)
        for (auto& n : option_names(*sub)) names.push_back(n);
      std::string option = first.substr(0, first.find('='));
      near = did_you_mean(option, names);
      what = "unknown option '" + first + "'";
    } else {
      what = "unexpected argument" + std::string(args.find(' ') == std::string::npos ? " '" : "s '") + args + "'";
    }
  }
  return where + what + near + " (see " + help + ")";
}

}  // namespace spmi
