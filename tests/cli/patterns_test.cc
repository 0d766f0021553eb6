// Tests of whole-id PCRE2 pattern selection.
#include <catch2/catch.hpp>

#include "cli/patterns.h"

using namespace spmi;

namespace {
std::vector<std::string> select(const std::vector<std::string>& pats, std::vector<std::string>* unmatched = nullptr) {
  PatternSet set;
  std::string err;
  REQUIRE(set.compile(pats, &err));
  std::vector<std::string> out, miss;
  REQUIRE(set.select({"echo", "manageable_1", "manageable_2", "manageable_3", "web_a"}, &out, &miss, &err));
  if (unmatched) *unmatched = miss;
  return out;
}
}  // namespace

TEST_CASE("patterns match whole ids", "[patterns]") {
  CHECK(select({"ech"}).empty());
  CHECK(select({"echo"}) == std::vector<std::string>{"echo"});
  CHECK(select({"manageable_[1-3]"}).size() == 3);
  CHECK(select({"e.*"}) == std::vector<std::string>{"echo"});
  CHECK(select({"web_.*"}) == std::vector<std::string>{"web_a"});
  CHECK(select({"manageable_1|echo"}).size() == 2);  // alternation is anchored as a whole
}

TEST_CASE("a task matched by several patterns is selected once, misses are reported", "[patterns]") {
  std::vector<std::string> miss;
  auto out = select({"echo", "e.*", "nothing", "manageable_1"}, &miss);
  CHECK(out == std::vector<std::string>{"echo", "manageable_1"});
  CHECK(miss == std::vector<std::string>{"nothing"});
}

TEST_CASE("invalid patterns name the pattern and the position", "[patterns]") {
  PatternSet set;
  std::string err;
  CHECK_FALSE(set.compile({"ok", "web_[", "x"}, &err));
  CHECK(err.find("invalid pattern 'web_[' at position 5") == 0);
}

TEST_CASE("catastrophic backtracking is bounded", "[patterns]") {
  PatternSet set;
  std::string err;
  REQUIRE(set.compile({"(a+)+b"}, &err));
  std::vector<std::string> out, miss;
  bool ok = set.select({std::string(64, 'a')}, &out, &miss, &err);
  // Either it finished quickly with no match or it hit the match limit.
  CHECK(out.empty());
  if (!ok) CHECK(err.find("could not be matched") != std::string::npos);
}

TEST_CASE("a pattern of plain characters selects the same ids as the regular expression would", "[patterns]") {
  // Plain patterns are compared as strings, without PCRE2; each answer here
  // is the one PCRE2's anchored match gives (the escaped twin goes through it).
  const std::vector<std::string> ids{"web", "web-1", "web_1", "web-10", "a:b", "x@y", "Web", "w", ""};
  auto run = [&](const std::string& pattern) {
    PatternSet set;
    std::string err;
    REQUIRE(set.compile({pattern}, &err));
    std::vector<std::string> out, miss;
    REQUIRE(set.select(ids, &out, &miss, &err));
    return out;
  };
  for (std::string plain : {"web", "web-1", "web_1", "a:b", "x@y", "Web", "w", "nothing"}) {
    std::string escaped;
    for (char c : plain) escaped += std::string("\\Q") + c + "\\E";
    INFO(plain);
    CHECK(run(plain) == run(escaped));
    CHECK(run(plain).size() == (plain == "nothing" ? 0u : 1u));
  }
  // One set mixing both kinds; the plain miss is reported like any other.
  PatternSet set;
  std::string err;
  REQUIRE(set.compile({"web", "web-1.", "gone"}, &err));
  std::vector<std::string> out, miss;
  REQUIRE(set.select(ids, &out, &miss, &err));
  CHECK(out == std::vector<std::string>{"web", "web-10"});
  CHECK(miss == std::vector<std::string>{"gone"});
}
