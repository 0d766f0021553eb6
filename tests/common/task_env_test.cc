// The task environment's value indirections and env files (common/task_env.h).
#include <catch2/catch.hpp>

#include "common/task_env.h"

using namespace spmi;

TEST_CASE("env values: indirections resolve, and no value may carry a NUL byte", "[env]") {
  std::string out, err;
  CHECK(resolve_env_value("@base64:aGVsbG8=", &out, &err));
  CHECK(out == "hello");
  CHECK(resolve_env_value("@hex:414243", &out, &err));
  CHECK(out == "ABC");
  CHECK(resolve_env_value("@@literal", &out, &err));
  CHECK(out == "@literal");
  // A NUL would silently cut the value short in the task's environment
  // (found by fuzz_env_file: "@@l\x03\0iteral" in an env file).
  for (const std::string& v : {std::string("@@l\x03\0iteral", 11), std::string("plain\0tail", 10)}) {
    CHECK_FALSE(resolve_env_value(v, &out, &err));
    CHECK(err == "contains a NUL byte");
  }
  CHECK_FALSE(resolve_env_value("@base64:AA==", &out, &err));
  CHECK(err == "not valid base64 (or decodes to a NUL byte)");
  std::vector<std::pair<std::string, std::string>> vars;
  REQUIRE(parse_env_file("x.env", std::string("# c\nexport A=one\nE=@@l\x03\0iteral\n", 30), &vars, &err));
  REQUIRE(vars.size() == 2);
  CHECK_FALSE(resolve_env_value(vars[1].second, &out, &err));
}
