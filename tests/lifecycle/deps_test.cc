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

namespace {

// The definition of the stop waves, pair by pair (what dependents_first_waves
// computed before it was made linear): a wave is every remaining id that no
// remaining id depends on directly, in the order of `ids`; when there is
// none (a cycle), the rest together.
std::vector<std::vector<std::string>> waves_by_definition(const TaskSpecs& all, const std::vector<std::string>& ids) {
  auto depends = [&](const std::string& a, const std::string& b) {
    auto it = all.find(a);
    return it != all.end() &&
           std::find(it->second.depends_on.begin(), it->second.depends_on.end(), b) != it->second.depends_on.end();
  };
  std::vector<std::vector<std::string>> waves;
  std::vector<std::string> remaining = ids;
  while (!remaining.empty()) {
    std::vector<std::string> wave, later;
    for (const auto& id : remaining) {
      bool needed =
          std::any_of(remaining.begin(), remaining.end(), [&](const std::string& o) { return depends(o, id); });
      (needed ? later : wave).push_back(id);
    }
    if (wave.empty()) wave.swap(later);
    waves.push_back(std::move(wave));
    remaining.swap(later);
  }
  return waves;
}

}  // namespace

TEST_CASE("dependencies: stop waves of cycles, self-dependencies, repeated and outside dependencies", "[deps]") {
  TaskSpecs all = stack();
  all["self"].id = "self";
  all["self"].depends_on = {"self"};
  all["twice"].id = "twice";
  all["twice"].depends_on = {"db", "db"};
  // web -> api -> db with api left out: web and db share a wave.
  CHECK(dependents_first_waves(all, {"db", "web"}) == std::vector<std::vector<std::string>>{{"db", "web"}});
  // A task that needs itself waits for the rest, then goes with them.
  CHECK(dependents_first_waves(all, {"self", "lone"}) == std::vector<std::vector<std::string>>{{"lone"}, {"self"}});
  // Listing a dependency twice holds it back once, not forever.
  CHECK(dependents_first_waves(all, {"db", "twice"}) == std::vector<std::vector<std::string>>{{"twice"}, {"db"}});
  // db -> web -> api -> db: the cycle ends together, after what needs it.
  all["db"].depends_on = {"web"};
  CHECK(dependents_first_waves(all, {"db", "api", "web", "worker"}) ==
        std::vector<std::vector<std::string>>{{"worker"}, {"db", "api", "web"}});
  CHECK(dependents_first_waves(all, {}).empty());
}

TEST_CASE("dependencies: stop waves agree with their pair-by-pair definition on random graphs", "[deps]") {
  uint32_t seed = 12345;
  auto next = [&seed](uint32_t n) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % n;
  };
  for (int round = 0; round < 300; ++round) {
    const uint32_t n = 1 + next(25);
    TaskSpecs all;
    for (uint32_t i = 0; i < n; ++i) {
      TaskSpec s;
      s.id = "t" + std::to_string(i);
      // Mostly towards lower numbers (a graph without cycles), now and then
      // anywhere (cycles), sometimes to a task that is not loaded.
      for (uint32_t k = next(4); k > 0; --k) {
        uint32_t to = next(10) == 0 ? next(n + 2) : (i == 0 ? 0 : next(i));
        s.depends_on.push_back("t" + std::to_string(to));
      }
      all[s.id] = s;
    }
    std::vector<std::string> ids;
    for (uint32_t i = 0; i < n; ++i)
      if (next(4) != 0) ids.push_back("t" + std::to_string(next(3) == 0 ? n - 1 - i : i));
    INFO("round " << round);
    CHECK(dependents_first_waves(all, ids) == waves_by_definition(all, ids));
  }
}
