// Nearest-name suggestions (suggest.h).
#include "common/suggest.h"

#include <algorithm>
#include <cctype>

namespace spmi {

size_t edit_distance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  // Three rows of the classic table: two back for the swap.
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

namespace {
size_t allowed_edits(size_t length) { return length >= 9 ? 3 : length >= 5 ? 2 : 1; }

template <class Range>
std::string nearest(std::string_view typed, const Range& candidates) {
  if (typed.empty()) return "";
  std::string best;
  size_t best_d = static_cast<size_t>(-1);
  for (std::string_view c : candidates) {
    size_t d = edit_distance(typed, c);
    if (d < best_d) {
      best_d = d;
      best = std::string(c);
    }
  }
  if (!best.empty() && best_d <= allowed_edits(std::max(typed.size(), best.size())) && best_d < typed.size())
    return best;
  if (typed.size() >= 3)
    for (std::string_view c : candidates)
      if (c.size() > typed.size() && c.substr(0, typed.size()) == typed) return std::string(c);
  return "";
}
std::string suffix(const std::string& near) { return near.empty() ? "" : "; did you mean '" + near + "'?"; }

}  // namespace

std::string nearest_name(std::string_view typed, std::span<const std::string_view> candidates) {
  return nearest(typed, candidates);
}

std::string nearest_name(std::string_view typed, const std::vector<std::string>& candidates) {
  return nearest(typed, candidates);
}

std::string did_you_mean(std::string_view typed, std::span<const std::string_view> candidates) {
  return suffix(nearest(typed, candidates));
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates) {
  return suffix(nearest(typed, candidates));
}

}  // namespace spmi
