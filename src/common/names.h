// Names: an enum's names in one table (NameTable), and joining names for
// messages: the names of a lookup table ({name, ...} entries), as in
// "unknown backend type 'x' (known: native, screen, tmux)", and lists of
// strings, plain or quoted ("'api', 'web'"); whether a list holds a name.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace spmi {

// The name is held in the row (not pointed to), so a table is plain
// read-only data even in position-independent code: no relocation, nothing
// in the resident wrappers' writable pages.
template <class E>
struct NameRow {
  E value;
  char name[24];
};

// The one place where an enum's values and their names (on disk, in
// messages, in descriptors) are paired:
//   constexpr NameTable<Mode, 2> kModes{{{{Mode::A, "a"}, {Mode::B, "b"}}}};
// (Initialized as an aggregate: GCC 12 puts a table built through
// std::to_array into writable .data, a page the resident wrappers pay for.)
template <class E, std::size_t N>
struct NameTable {
  std::array<NameRow<E>, N> rows;  // an aggregate: constant data, in .rodata
  // The value's name; "?" for a value without a row.
  constexpr const char* name(E value) const {
    for (const auto& r : rows)
      if (r.value == value) return r.name;
    return "?";
  }
  // The value named `text`; false when no row has that name.
  bool parse(std::string_view text, E* out) const {
    for (const auto& r : rows)
      if (text == r.name) {
        *out = r.value;
        return true;
      }
    return false;
  }
  auto begin() const { return rows.begin(); }
  auto end() const { return rows.end(); }
};

// Whether `list` holds `item` (lists of names are short: a scan).
template <class Range, class T>
bool contains(const Range& list, const T& item) {
  for (const auto& x : list)
    if (x == item) return true;
  return false;
}

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

// "a, b, c" for at most `shown` names, then " and N more" (progress lines).
inline std::string join_first(const std::vector<std::string>& names, size_t shown) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
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
