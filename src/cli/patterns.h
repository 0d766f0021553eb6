// Task-id patterns: PCRE2 regular expressions that must match the whole id
// (SPMI's fullmatch). Several patterns select the union; each task once.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace spmi {

class PatternSet {
 public:
  PatternSet();
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Compiles every pattern; false with `err` naming the first bad pattern
  // and the offset of the problem.
  bool compile(const std::vector<std::string>& patterns, std::string* err);

  // The ids (from `ids`, kept in their order) matched by any pattern, each
  // once. `unmatched` receives the patterns that matched nothing. False with
  // `err` when a match hit PCRE2's limits.
  bool select(const std::vector<std::string>& ids, std::vector<std::string>* selected,
              std::vector<std::string>* unmatched, std::string* err) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spmi
