// Tests of the kv state-file format (the spec and state encodings: task_spec_test.cc).
#include <catch2/catch.hpp>

#include "common/kv_file.h"
#include "common/task_spec.h"
#include "common/task_state.h"

using namespace spmi;

TEST_CASE("kv values round-trip any bytes on one line", "[kv]") {
  std::string nasty = std::string("a=b\\c\nnew\rline\ttab\x01\x7f end ü", 26);
  KvFile kv("spmi-test", 1);
  kv.add("v", nasty);
  kv.add("v", "");
  std::string text = kv.serialize();
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  KvFile back;
  std::string err;
  REQUIRE(back.parse(text, "spmi-test", 1, &err));
  CHECK(back.get_all("v") == std::vector<std::string>{nasty, ""});
  CHECK_FALSE(back.get("missing"));
}

TEST_CASE("kv lookups find first and repeated values in file order, parsed or added", "[kv]") {
  KvFile kv;
  std::string err;
  REQUIRE(kv.parse("spmi-test 1\nz=1\nb=first\na=x\nb=second\nzz=2\nb=third\n", "spmi-test", 1, &err));
  CHECK(kv.get("b") == std::optional<std::string>("first"));
  CHECK(kv.get_all("b") == std::vector<std::string>{"first", "second", "third"});
  CHECK(kv.get("z") == std::optional<std::string>("1"));
  CHECK(kv.get("zz") == std::optional<std::string>("2"));
  CHECK(kv.get_int("zz", 0) == 2);
  CHECK_FALSE(kv.get(""));
  CHECK_FALSE(kv.get("c"));
  CHECK_FALSE(kv.get("zzz"));
  kv.add("c", "added");
  kv.add("b", "fourth");
  CHECK(kv.get("c") == std::optional<std::string>("added"));
  CHECK(kv.get_all("b") == std::vector<std::string>{"first", "second", "third", "fourth"});
  REQUIRE(kv.parse("spmi-test 1\n", "spmi-test", 1, &err));
  CHECK_FALSE(kv.get("b"));
  CHECK(kv.get_all("b").empty());
}

TEST_CASE("kv parsing refuses what it does not understand", "[kv]") {
  KvFile kv;
  std::string err;
  CHECK_FALSE(kv.parse("", "spmi-spec", 1, &err));
  CHECK_FALSE(kv.parse("spmi-state 1\n", "spmi-spec", 1, &err));
  CHECK_FALSE(kv.parse("spmi-spec 2\n", "spmi-spec", 1, &err));
  CHECK(err.find("layout version 2 is not supported") != std::string::npos);
  CHECK_FALSE(kv.parse("spmi-spec 1\nkey=value", "spmi-spec", 1, &err));  // truncated
  CHECK_FALSE(kv.parse("spmi-spec 1\nnoequals\n", "spmi-spec", 1, &err));
  CHECK_FALSE(kv.parse("spmi-spec 1\nk=bad\\q\n", "spmi-spec", 1, &err));
  CHECK_FALSE(kv.parse("spmi-spec 1\nk=bad\\x4\n", "spmi-spec", 1, &err));
}
