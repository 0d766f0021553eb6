// Joining names for messages: the names of a lookup table ({name, ...}
// entries), as in "unknown backend type 'x' (known: native, screen, tmux)",
// and lists of strings, plain or quoted ("'api', 'web'").
#pragma once

#include <string>
#include <string_view>

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

// "a, b, c" (or joined by `sep`) from a range of strings.
template <class Range>
std::string join(const Range& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

// "'a', 'b', 'c'" from a range of strings.
template <class Range>
std::string join_quoted(const Range& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += "'";
    out += item;
    out += "'";
  }
  return out;
}

}  // namespace spmi
