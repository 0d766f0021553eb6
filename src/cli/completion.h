// `spmi __complete WHAT [COMMAND]`: the words the shell completions
// (completions/spmi.bash, _spmi, spmi.fish) offer, so the scripts stay thin
// and never fall behind the command table:
//   commands          the subcommands' names
//   options COMMAND   that subcommand's options (--long and -s)
//   tasks             task ids in the current $SPMI_PATH
//   projects, tags    the projects and tags of those tasks
// One word per line, nothing on stderr, always exit 0: a completion must
// never get in the way of typing.
#pragma once

#include <string>
#include <vector>

#include "cli/cli11_fwd.h"

#include "store/store.h"

namespace spmi {

inline constexpr const char* kCompleteCommand = "__complete";

// `app` has every subcommand registered.
int run_completion(const CLI::App& app, const Store& store, const std::vector<std::string>& args);

}  // namespace spmi
