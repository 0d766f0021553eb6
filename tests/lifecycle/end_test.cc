// Ending tasks (lifecycle/end.h) through a fake backend: the order of
// stops with dependencies.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "lifecycle/fake_backend.h"
#include "lifecycle/end.h"
#include "lifecycle/start.h"

using namespace spmi;
using spmi::test::Fixture;

TEST_CASE("lifecycle: stopping a task ends the active tasks that depend on it first", "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"});
  f.add("web", {"api"});
  f.add("other", {});
  std::vector<std::string> started;
  REQUIRE(start_with_dependencies(f.session, {"web", "other"}, &started));
  REQUIRE(end_in_dependency_order(f.session, {"db"}, true, false));
  auto ends = f.fake.ends();
  REQUIRE(ends.size() == 3);
  CHECK(ends[0].id == "web");
  CHECK(ends[1].id == "api");
  CHECK(ends[2].id == "db");
  CHECK(ends[2].running_before == std::set<std::string>{"db", "other"});
  CHECK(std::count_if(f.report.lines.begin(), f.report.lines.end(), [](const std::string& l) {
          return l.rfind("stopped db (SIGTERM, ", 0) == 0;
        }) == 1);
}
