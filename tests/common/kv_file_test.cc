// Tests of the kv state-file format and the spec/state encodings.
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

TEST_CASE("task spec and state survive serialization", "[kv]") {
  TaskSpec s;
  s.id = "web";
  s.comment = "multi\nline";
  s.argv = {"printf", "%s\n", ""};
  s.env = {{"A", "1"}, {"B", "x=y"}};
  s.stop_signal = 2;
  s.stop_timeout_ms = 1500;
  s.cwd = "/tmp";
  TaskSpec t;
  std::string err;
  REQUIRE(parse_spec(serialize_spec(s), &t, &err));
  CHECK(t.id == "web");
  CHECK(t.comment == s.comment);
  CHECK(t.argv == s.argv);
  CHECK_FALSE(t.uses_shell());
  CHECK(t.env == s.env);
  CHECK(t.stop_signal == 2);
  CHECK(t.stop_timeout_ms == 1500);
  CHECK(t.restart.mode == RestartMode::Never);  // the default wrapper's

  s.restart.mode = RestartMode::OnFailure;
  s.restart.success_exit_codes = {0, 42};
  s.restart.delay_ms = 250;
  s.restart.max_restarts = 9;
  REQUIRE(parse_spec(serialize_spec(s), &t, &err));
  CHECK(t.restart.mode == RestartMode::OnFailure);
  CHECK(t.restart.success_exit_codes == std::vector<int>{0, 42});
  CHECK(t.restart.delay_ms == 250);
  CHECK(t.restart.max_restarts == 9);
  CHECK(t.restart.window_ms == 60000);

  TaskState st;
  st.run_id = "abc";
  st.phase = Phase::Draining;
  st.pid = 42;
  st.pid_start_ticks = 123456789012ULL;
  st.exit_signal = 9;
  st.error = "why\nnot";
  TaskState u;
  REQUIRE(parse_state(serialize_state(st), &u, &err));
  CHECK(u.phase == Phase::Draining);
  CHECK(u.pid_start_ticks == 123456789012ULL);
  CHECK(u.error == st.error);
  CHECK_FALSE(parse_state("spmi-state 1\nphase=running\n", &u, &err));
}
