// "Did you mean": the nearest of a set of names to what the user typed
// (a mistyped command, option or descriptor key), by the optimal-string-
// alignment distance (Levenshtein plus swapping two neighbours, as git's
// help.c counts it). Hand-written: no Debian-packaged C++ library offers it,
// and it is twenty lines.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spmi {

// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`,
// letters compared without case.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `typed`, when it is near enough to be what was
// meant: at most 1 edit for short words, 2 from 5 letters, 3 from 9; or a
// candidate that `typed` is a prefix of (3 letters or more). "" when none is.
// Ties go to the earliest candidate.
std::string nearest_name(std::string_view typed, std::span<const std::string_view> candidates);
std::string nearest_name(std::string_view typed, const std::vector<std::string>& candidates);

// "; did you mean 'command'?" with the nearest candidate, or "" when none
// is near: the suffix every message that offers one ends with.
std::string did_you_mean(std::string_view typed, std::span<const std::string_view> candidates);
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace spmi
