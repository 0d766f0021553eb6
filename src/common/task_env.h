// The task's environment, built by the wrapper at each start:
//
//   base         the wrapper's environment (that of the `spmi start`), or with
//                inherit_env = false only PATH HOME USER LOGNAME SHELL LANG
//   user         with `user`, HOME USER LOGNAME SHELL of that user (from the
//                resolved identity: no name lookups here, see identity.h)
//   env_file     KEY=VALUE lines ('#' comments, blank lines, an optional
//                "export ", values optionally in '' or "" quotes)
//   env          the spec's variables
//   spmi         SPMI_TASK_ID, SPMI_RUN_ID, SPMI_TASK_DIR
//
// Values from env_file and env may be indirections, resolved here so that
// secrets never sit in the spec: "@file:PATH" (a regular file of at most
// 64 KiB, one trailing newline removed), "@base64:..." and "@hex:...";
// "@@" at the start stands for a literal "@". Errors name the variable and
// the source, never a value.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/identity.h"
#include "common/task_spec.h"

namespace spmi {

// Resolves one value; false with `err` when an indirection fails.
bool resolve_env_value(const std::string& value, std::string* out, std::string* err);

// Parses env_file text; false with `err` ("<path>:<line>: ...") on a bad line.
bool parse_env_file(const std::string& path, const std::string& text,
                    std::vector<std::pair<std::string, std::string>>* out, std::string* err);

// The task's environment ("K=V" entries); `extra` (the SPMI_* variables)
// comes last, then the names in `remove` are taken out. `base` is the
// wrapper's own environment.
bool build_task_env(const TaskSpec& spec, char** base, const RunIdentity& who,
                    const std::vector<std::pair<std::string, std::string>>& extra,
                    const std::vector<std::string>& remove, std::vector<std::string>* out, std::string* err);

}  // namespace spmi
