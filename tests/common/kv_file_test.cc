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
  CHECK_FALSE(kv.find(std::string_view()));
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

TEST_CASE("kv lookups agree with a plain scan over many keys, repeats and near-identical names", "[kv]") {
  // Keys that share prefixes and lengths, some repeated far apart: the
  // hash table (several sizes, full of collisions) must answer as a scan of
  // the file would, first value and every value in file order.
  for (int n : {1, 7, 8, 9, 33, 300}) {
    std::string text = "spmi-test 1\n";
    std::vector<std::pair<std::string, std::string>> lines;
    for (int i = 0; i < n; ++i) {
      std::string key = "key_" + std::to_string(i % (n / 3 + 1));
      if (i % 5 == 0) key = "k" + std::to_string(i);
      lines.emplace_back(key, "v" + std::to_string(i));
      text += key + "=v" + std::to_string(i) + "\n";
    }
    KvFile kv;
    std::string err;
    REQUIRE(kv.parse(text, "spmi-test", 1, &err));
    std::vector<std::string> asked;
    for (const auto& [k, v] : lines) asked.push_back(k);
    for (int i = 0; i < n + 5; ++i) asked.push_back("key_" + std::to_string(i) + "x");  // absent
    asked.push_back("");
    for (const auto& key : asked) {
      INFO(n << " lines, key " << key);
      std::vector<std::string> all;
      for (const auto& [k, v] : lines)
        if (k == key) all.push_back(v);
      CHECK(kv.get_all(key) == all);
      const std::string* first = kv.find(key);
      REQUIRE((first != nullptr) == !all.empty());
      if (first) CHECK(*first == all.front());
    }
  }
}
