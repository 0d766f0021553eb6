// Tests of the apply plan: which keys changed, what is added, changed,
// removed or kept, and the stop and restart orders.
#include <catch2/catch.hpp>

#include "lifecycle/apply_plan.h"

using namespace spmi;

namespace {
TaskSpec task(const std::string& id, std::vector<std::string> deps = {}, const std::string& source = "/p/shop.toml") {
  TaskSpec s;
  s.id = id;
  s.shell_command = "run " + id;
  s.cwd = "/p";
  s.depends_on = std::move(deps);
  s.source = source;
  s.project = source == "/p/shop.toml" ? "shop" : "";
  return s;
}

TaskSpecs specs(std::initializer_list<TaskSpec> list) {
  TaskSpecs out;
  for (const auto& s : list) out[s.id] = s;
  return out;
}
}  // namespace

TEST_CASE("changed_keys names what differs, never values, and ignores load time", "[apply]") {
  TaskSpec a = task("a"), b = a;
  b.loaded_at_ms = 12345;
  CHECK(changed_keys(a, b).empty());
  b.source = "/elsewhere/shop.toml";  // a project file that moved
  CHECK(changed_keys(a, b) == std::vector<std::string>{"source"});
  b.source = a.source;
  b.argv = {"run", "a"};
  b.shell_command.clear();
  b.env = {{"TOKEN", "s3cret"}};
  b.logs.keep = 2;
  b.process.limit_nofile = 64;
  b.health.type = HealthType::Tcp;
  b.health.port = 80;
  b.tags = {"web"};
  auto keys = changed_keys(a, b);
  CHECK(keys == std::vector<std::string>{"command", "env", "health", "limits.nofile", "logs.keep", "tags"});
  for (const auto& k : keys) CHECK(k.find("s3cret") == std::string::npos);
}

TEST_CASE("plan_apply: added, changed (running or not), unchanged, pruned, and the orders", "[apply]") {
  // Stored: db <- api <- web, a worker, and a task from another file.
  TaskSpecs stored = specs({task("db"), task("api", {"db"}), task("web", {"api"}), task("worker"),
                            task("other", {}, "/p/other.toml")});
  std::vector<TaskSpec> incoming = {task("db"), task("api", {"db"}), task("web", {"api"}), task("cache")};
  incoming[0].env = {{"X", "1"}};  // db changed
  incoming[2].stop_timeout_ms = 1;  // web changed
  auto running = [](const std::string& id) { return id != "web"; };

  ApplyPlan p = plan_apply(stored, incoming, {"/p/shop.toml"}, {"shop"}, false, running);
  CHECK(p.added == std::vector<std::string>{"cache"});
  REQUIRE(p.changed.size() == 2);
  CHECK(p.changed[0].id == "db");
  CHECK(p.changed[0].running);
  CHECK(p.changed[1].id == "web");
  CHECK_FALSE(p.changed[1].running);
  CHECK(p.changed[1].keys == std::vector<std::string>{"stop_timeout"});
  CHECK(p.unchanged == std::vector<std::string>{"api"});
  CHECK(p.removed.empty());
  CHECK(p.not_in_files == std::vector<std::string>{"worker"});  // "other" is another file's
  CHECK(p.stop_order == std::vector<std::string>{"db"});
  CHECK(p.restart_order == std::vector<std::string>{"db"});

  ApplyPlan q = plan_apply(stored, incoming, {"/p/shop.toml"}, {"shop"}, true, running);
  REQUIRE(q.removed.size() == 1);
  CHECK(q.removed[0].id == "worker");
  CHECK(q.removed[0].running);
  CHECK(q.not_in_files.empty());
  CHECK(q.stop_order == std::vector<std::string>{"worker", "db"});
}

TEST_CASE("plan_apply: changed running tasks stop dependents first and start dependencies first", "[apply]") {
  TaskSpecs stored = specs({task("db"), task("api", {"db"}), task("web", {"api"})});
  std::vector<TaskSpec> incoming = {task("web", {"api"}), task("api", {"db"}), task("db")};
  for (auto& s : incoming) s.cwd = "/elsewhere";
  ApplyPlan p = plan_apply(stored, incoming, {"/p/shop.toml"}, {}, false, [](const std::string&) { return true; });
  CHECK(p.stop_order == std::vector<std::string>{"web", "api", "db"});
  CHECK(p.restart_order == std::vector<std::string>{"db", "api", "web"});
}

TEST_CASE("plan_apply: reloadable keys reload a running task, any other key restarts it", "[apply]") {
  TaskSpecs stored = specs({task("a"), task("b"), task("c"), task("d")});
  std::vector<TaskSpec> incoming = {task("a"), task("b"), task("c"), task("d")};
  incoming[0].stop_timeout_ms = 1;                       // reloadable
  incoming[1].control.reload_signal = 1;                 // reloadable
  incoming[1].comment = "new";                           // metadata rides along
  incoming[2].stop_timeout_ms = 1;                       // reloadable, but with
  incoming[2].env = {{"X", "1"}};                        // a key that is not
  incoming[3].restart.max_restarts = 9;                  // reloadable, but d is not running
  ApplyPlan p = plan_apply(stored, incoming, {"/p/shop.toml"}, {}, false,
                           [](const std::string& id) { return id != "d"; });
  REQUIRE(p.changed.size() == 4);
  CHECK(p.changed[0].reload);
  CHECK_FALSE(p.changed[0].restart);
  CHECK(p.changed[1].reload);
  CHECK(p.changed[1].keys == std::vector<std::string>{"comment", "reload_signal"});
  CHECK_FALSE(p.changed[2].reload);
  CHECK(p.changed[2].restart);
  CHECK_FALSE(p.changed[3].reload);
  CHECK_FALSE(p.changed[3].restart);
  CHECK(p.restart_order == std::vector<std::string>{"c"});
  CHECK(is_reloadable_key("stop_command"));
  CHECK_FALSE(is_reloadable_key("command"));
}

TEST_CASE("plan_apply: a task of the same project moved to another file is still the project's", "[apply]") {
  TaskSpecs stored = specs({task("db"), task("api", {"db"})});
  stored["api"].source = "/p/old-name.toml";
  ApplyPlan p = plan_apply(stored, {task("db")}, {"/p/shop.toml"}, {"shop"}, true, [](const std::string&) { return false; });
  REQUIRE(p.removed.size() == 1);
  CHECK(p.removed[0].id == "api");
}

TEST_CASE("plan_apply: a change of metadata alone does not restart a running task", "[apply]") {
  TaskSpecs stored = specs({task("db"), task("web")});
  std::vector<TaskSpec> incoming = {task("db"), task("web")};
  incoming[0].comment = "the database";
  incoming[0].tags = {"data"};
  incoming[1].comment = "new";
  incoming[1].env = {{"PORT", "81"}};
  ApplyPlan p = plan_apply(stored, incoming, {"/p/shop.toml"}, {"shop"}, false, [](const std::string&) { return true; });
  REQUIRE(p.changed.size() == 2);
  CHECK(p.changed[0].id == "db");
  CHECK(p.changed[0].running);
  CHECK_FALSE(p.changed[0].restart);
  CHECK(p.changed[1].restart);
  CHECK(p.stop_order == std::vector<std::string>{"web"});
  CHECK(p.restart_order == std::vector<std::string>{"web"});
  for (const char* k : {"comment", "tags", "project", "source"}) CHECK(is_metadata_key(k));
  for (const char* k : {"command", "env", "cwd", "user", "logs.keep"}) CHECK_FALSE(is_metadata_key(k));
}

TEST_CASE("plan_apply: an id owned by another file or project is a conflict unless adopted", "[apply]") {
  // "solo" came from /p/solo.toml (no project), "db" from project shop.
  TaskSpecs stored = specs({task("db"), task("solo", {}, "/p/solo.toml")});
  TaskSpec solo = task("solo", {}, "/q/other.toml");
  TaskSpec db = task("db", {}, "/q/other.toml");  // no project now
  auto running = [](const std::string&) { return true; };
  ApplyPlan p = plan_apply(stored, {solo, db}, {"/q/other.toml"}, {}, false, running);
  REQUIRE(p.conflicts.size() == 2);
  CHECK(p.conflicts[0].id == "solo");
  CHECK(p.conflicts[0].owner == "/p/solo.toml");
  CHECK(p.conflicts[1].id == "db");
  CHECK(p.conflicts[1].owner == "/p/shop.toml (project shop)");
  CHECK(p.added.empty());
  CHECK(p.changed.empty());
  CHECK(p.unchanged.empty());
  CHECK(p.stop_order.empty());
  // Adopted: a change of owner (metadata: no restart).
  ApplyPlan q = plan_apply(stored, {solo, db}, {"/q/other.toml"}, {}, false, running, true);
  CHECK(q.conflicts.empty());
  REQUIRE(q.changed.size() == 2);
  CHECK(q.changed[0].keys == std::vector<std::string>{"source"});
  CHECK_FALSE(q.changed[0].restart);
  CHECK(q.changed[1].keys == std::vector<std::string>{"project", "source"});
  CHECK(q.stop_order.empty());
  // The same project from a file that moved is still its own.
  ApplyPlan r = plan_apply(stored, {task("db", {}, "/p/shop.toml")}, {"/p/shop.toml"}, {"shop"}, false, running);
  CHECK(r.conflicts.empty());
  CHECK(owned_elsewhere(stored["solo"], solo));
  TaskSpec moved = task("db");
  moved.source = "/new/place.toml";
  CHECK_FALSE(owned_elsewhere(stored["db"], moved));
}
