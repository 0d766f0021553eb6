// Tests of the dependency graph: the problems load and validate report, and
// the orders start (dependencies first) and stop (dependents first) follow.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "lifecycle/deps.h"

using namespace spmi;

namespace {

// web -> api -> db, api -> cache; worker -> db; lone.
TaskSpecs stack() {
  TaskSpecs all;
  auto add = [&all](const std::string& id, std::vector<std::string> deps) {
    TaskSpec s;
    s.id = id;
    s.depends_on = std::move(deps);
    all[id] = s;
  };
  add("db", {});
  add("cache", {});
  add("api", {"db", "cache"});
  add("web", {"api"});
  add("worker", {"db"});
  add("lone", {});
  return all;
}

size_t position(const std::vector<std::string>& order, const std::string& id) {
  return static_cast<size_t>(std::find(order.begin(), order.end(), id) - order.begin());
}

}  // namespace

TEST_CASE("dependencies: a sound graph has no problem, unknown ids, cycles and healthy without a check do",
          "[deps]") {
  TaskSpecs all = stack();
  CHECK(check_dependencies(all).empty());
  all["web"].depends_on.push_back("nowhere");
  all["db"].depends_on.push_back("web");  // db -> web -> api -> db
  all["lone"].depends_on = {"cache"};
  all["lone"].start_when = "healthy";
  std::string problems;
  for (const auto& p : check_dependencies(all)) problems += p + "\n";
  INFO(problems);
  CHECK(problems.find("nowhere") != std::string::npos);
  CHECK(problems.find("cycle") != std::string::npos);
  CHECK(problems.find("healthy") != std::string::npos);
  // Only what a load adds is new: the stored graph's own problems are not.
  TaskSpec web2 = stack()["web"];
  web2.depends_on = {"api", "ghost"};
  auto added = new_dependency_problems(all, {web2});
  REQUIRE(added.size() == 1);
  CHECK(added[0].find("ghost") != std::string::npos);
}

TEST_CASE("dependencies: start order puts every dependency first, stop waves put dependents first", "[deps]") {
  TaskSpecs all = stack();
  auto order = with_dependencies(all, {"web"});
  REQUIRE(order.size() == 4);
  CHECK(position(order, "db") < position(order, "api"));
  CHECK(position(order, "cache") < position(order, "api"));
  CHECK(position(order, "api") < position(order, "web"));
  CHECK(position(order, "lone") == order.size());  // not pulled in

  auto dependents = with_dependents(all, {"db"});
  std::sort(dependents.begin(), dependents.end());
  CHECK(dependents == std::vector<std::string>{"api", "db", "web", "worker"});

  auto waves = dependents_first_waves(all, {"db", "api", "web", "worker", "lone"});
  REQUIRE(waves.size() == 3);
  CHECK(waves[0] == std::vector<std::string>{"web", "worker", "lone"});
  CHECK(waves[1] == std::vector<std::string>{"api"});
  CHECK(waves[2] == std::vector<std::string>{"db"});
}
