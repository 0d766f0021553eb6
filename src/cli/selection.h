// Which tasks a command acts on: id patterns, projects (-p) and tags
// (--tag), resolved against the loaded tasks (selection.cc).
#pragma once

#include <string>
#include <vector>

#include "cli/cli11_fwd.h"

#include "cli/output.h"

namespace spmi {

// Within one kind any match counts; kinds given together must all match.
struct Selection {
  std::vector<std::string> patterns;
  std::vector<std::string> projects;
  std::vector<std::string> tags;
  bool empty() const { return patterns.empty() && projects.empty() && tags.empty(); }
};

// Adds the "patterns" positional and -p/--project, --tag (selection.cc).
// `optional`: the command acts on every task when none is given.
void add_selection_options(CLI::App* sub, Selection& sel, bool optional = false);

// Resolves a selection against the loaded tasks (in id order). Prints the
// problems; returns false with `*exit_code` set on an invalid pattern, an
// empty selection (unless `all_when_empty`) or an unreadable store. Patterns,
// projects or tags that match nothing are reported and set `*unmatched`.
bool select_tasks(const Context& ctx, const Selection& sel, std::vector<std::string>* ids, bool* unmatched,
                  int* exit_code, bool all_when_empty = false);
// The same for plain patterns.
bool select_tasks(const Context& ctx, const std::vector<std::string>& patterns, std::vector<std::string>* ids,
                  bool* unmatched, int* exit_code);

}  // namespace spmi
