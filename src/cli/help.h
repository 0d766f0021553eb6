// What spmi says about itself: the short help of a bare `spmi` (each
// command on one line, where the docs are), each subcommand's footer (one or
// two examples and the full exit-code list) and the "did you mean" for a
// mistyped command or option. The command table itself is in main.cc.
#pragma once

#include <string>
#include <vector>

#include "cli/cli11_fwd.h"

namespace spmi {

// Every exit code, for the footers and the short help (ExitCode in output.h).
extern const char* const kExitCodeHelp;

// The examples and exit codes under `spmi CMD --help`.
std::string command_footer(const std::string& name);

// `spmi` alone and `spmi help`: usage, the commands of `app` (all
// registered) one line each, where to read more.
std::string short_help(CLI::App& app);

// The options of `app` as typed: "--json", "-p" (did-you-mean, completions).
std::vector<std::string> option_names(const CLI::App& app);

// "unknown command 'lst'; did you mean 'list'? (spmi help lists them)".
std::string unknown_command_message(const std::string& word, const std::vector<std::string>& names);

// A CLI11 parse error of `sub` (nullptr: the top level) as spmi says it:
// what was wrong, the nearest option for an unknown one, and where help is.
std::string parse_error_message(const CLI::App& app, const CLI::App* sub, const CLI::ParseError& e);

}  // namespace spmi
