// "Did you mean": edit distances and which near name is offered.
#include <catch2/catch.hpp>

#include "common/suggest.h"

using namespace spmi;

TEST_CASE("edit distance counts inserts, deletes, substitutions and swaps", "[suggest]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("list", "list") == 0);
  CHECK(edit_distance("lst", "list") == 1);       // an insert
  CHECK(edit_distance("comand", "command") == 1);
  CHECK(edit_distance("stpo", "stop") == 1);      // two neighbours swapped
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("LIST", "list") == 0);      // letters without case
}

TEST_CASE("the nearest name is offered only when it is near", "[suggest]") {
  std::vector<std::string> commands{"load", "list", "start", "stop", "status", "restart", "logs"};
  CHECK(nearest_name("lst", commands) == "list");
  CHECK(nearest_name("stpo", commands) == "stop");
  CHECK(nearest_name("restrat", commands) == "restart");
  CHECK(nearest_name("stat", commands) == "start");  // ties go to the first
  CHECK(nearest_name("xyz", commands).empty());      // nothing close
  CHECK(nearest_name("", commands).empty());
  CHECK(nearest_name("a", commands).empty());        // one letter is not a guess
  CHECK(nearest_name("resta", commands) == "restart");  // a prefix
  std::vector<std::string> keys{"command", "mixed_stdout", "stop_signal", "stop_timeout", "max_restarts"};
  CHECK(nearest_name("comand", keys) == "command");
  CHECK(nearest_name("stop_timout", keys) == "stop_timeout");
  CHECK(nearest_name("max_restart", keys) == "max_restarts");
  CHECK(nearest_name("environment", keys).empty());
}
