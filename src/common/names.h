// Listing the names of a lookup table ({name, ...} entries) for messages
// such as "unknown backend type 'x' (known: native, screen, tmux)".
#pragma once

#include <string>

namespace spmi {

// "a, b, c" from the `name` member of every entry of `table`.
template <class Table>
std::string join_names(const Table& table) {
  std::string out;
  for (const auto& entry : table) {
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

}  // namespace spmi
