// Starting tasks (lifecycle/start.h) through a fake backend: waves,
// failures, already-active dependencies, start_when timeouts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "lifecycle/deps.h"
#include "lifecycle/fake_backend.h"
#include "lifecycle/start.h"

using namespace spmi;
using spmi::test::Fixture;

TEST_CASE("lifecycle: a start brings dependencies up first, each task once, independent ones together",
          "[lifecycle]") {
  Fixture f;
  // web -> api -> {db, cache}; lone is not asked for.
  f.add("db", {});
  f.add("cache", {});
  f.add("api", {"db", "cache"});
  f.add("web", {"api"});
  f.add("lone", {});
  std::vector<std::string> started;
  REQUIRE(start_with_dependencies(f.session, {"web"}, &started));
  CHECK(f.report.problems.empty());
  REQUIRE(f.fake.starts().size() == 4);
  std::set<std::string> all(started.begin(), started.end());
  CHECK(all == std::set<std::string>{"db", "cache", "api", "web"});
  CHECK(f.fake.start_of("lone") == nullptr);
  // Each task started once all its dependencies ran.
  CHECK(f.fake.start_of("api")->running_before == std::set<std::string>{"db", "cache"});
  CHECK(f.fake.start_of("web")->running_before == std::set<std::string>{"db", "cache", "api"});
  // db and cache are one wave: neither waited for the other.
  CHECK(f.fake.start_of("db")->running_before.count("api") == 0);
  CHECK(f.fake.start_of("cache")->running_before.count("api") == 0);
  // Reported in the CLI's words, one line per task.
  CHECK(std::count_if(f.report.lines.begin(), f.report.lines.end(),
                      [](const std::string& l) { return l.rfind("started ", 0) == 0; }) == 4);
}

TEST_CASE("lifecycle: a dependency that fails to start fails its dependents, which are never started",
          "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"});
  f.add("web", {"api"});
  f.fake.failing.insert("db");
  std::vector<std::string> started;
  CHECK_FALSE(start_with_dependencies(f.session, {"web"}, &started));
  CHECK(started.empty());
  REQUIRE(f.fake.starts().size() == 1);
  CHECK(f.fake.starts()[0].id == "db");
  CHECK(f.report.said("db: failed to start: the fake refuses db"));
  CHECK(f.report.said("api: not started: its dependency 'db' failed"));
  CHECK(f.report.said("web: not started: its dependency 'api' failed"));
}

TEST_CASE("lifecycle: an active dependency is not started again, and a selected active task is reported as such",
          "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"});
  REQUIRE(start_task(f.session, "db"));
  std::vector<std::string> started;
  REQUIRE(start_with_dependencies(f.session, {"api", "db"}, &started));
  CHECK(f.fake.starts().size() == 2);  // db once (above), api once
  CHECK(started == std::vector<std::string>{"db", "api"});  // db: "already active" counts as done
  CHECK(f.report.said("db: already active"));
}

TEST_CASE("lifecycle: start_when ready waits for readiness and fails the dependent at its start_timeout",
          "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"}, "ready", 300);
  f.fake.never_ready.insert("db");
  std::vector<std::string> started;
  int64_t t0 = monotonic_ms();
  CHECK_FALSE(start_with_dependencies(f.session, {"api"}, &started));
  CHECK(monotonic_ms() - t0 >= 300);
  CHECK(started == std::vector<std::string>{"db"});
  CHECK(f.fake.start_of("api") == nullptr);
  CHECK(f.report.said("api: not started: its dependency 'db' did not become ready within"));
}

TEST_CASE("lifecycle: a start reads the specs of its tasks and their dependencies only, and plans as with all",
          "[lifecycle][deps]") {
  Fixture f;
  // web -> api -> {db, cache}; cycle a <-> b; lone; orphan -> gone (not loaded).
  f.add("db", {});
  f.add("cache", {});
  f.add("api", {"db", "cache"});
  f.add("web", {"api"});
  f.add("a", {"b"});
  f.add("b", {"a"});
  f.add("lone", {});
  f.add("orphan", {"gone"});
  auto keys = [](const TaskSpecs& specs) {
    std::set<std::string> out;
    for (const auto& [id, spec] : specs) out.insert(id);
    return out;
  };
  CHECK(keys(stored_specs_of(f.store, {"web"})) == std::set<std::string>{"web", "api", "db", "cache"});
  CHECK(keys(stored_specs_of(f.store, {"a"})) == std::set<std::string>{"a", "b"});
  CHECK(keys(stored_specs_of(f.store, {"orphan", "lone"})) == std::set<std::string>{"orphan", "lone"});
  CHECK(keys(stored_specs_of(f.store, {"nope", "../x"})).empty());
  const TaskSpecs all = stored_specs(f.store);
  for (const std::vector<std::string>& sel : std::vector<std::vector<std::string>>{
           {"web"}, {"api", "lone"}, {"b"}, {"orphan"}, {"cache", "web", "a"}, {"nope", "db"}})
    CHECK(with_dependencies(stored_specs_of(f.store, sel), sel) == with_dependencies(all, sel));
  // And the start itself: a dependency that is not loaded fails as before.
  std::vector<std::string> started;
  CHECK_FALSE(start_with_dependencies(f.session, {"orphan"}, &started));
  CHECK(f.report.said("gone: not started: it is not loaded"));
  CHECK(f.report.said("orphan: not started: its dependency 'gone' failed"));
}
