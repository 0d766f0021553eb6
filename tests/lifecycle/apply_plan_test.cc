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

TEST_CASE("changed_keys names what differs, never values, and ignores load time and source", "[apply]") {
  TaskSpec a = task("a"), b = a;
  b.loaded_at_ms = 12345;
  b.source = "/elsewhere/shop.toml";
  CHECK(changed_keys(a, b).empty());
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
  for (auto& s : incoming) s.comment = "new";
  ApplyPlan p = plan_apply(stored, incoming, {"/p/shop.toml"}, {}, false, [](const std::string&) { return true; });
  CHECK(p.stop_order == std::vector<std::string>{"web", "api", "db"});
  CHECK(p.restart_order == std::vector<std::string>{"db", "api", "web"});
}

TEST_CASE("plan_apply: a task of the same project moved to another file is still the project's", "[apply]") {
  TaskSpecs stored = specs({task("db"), task("api", {"db"})});
  stored["api"].source = "/p/old-name.toml";
  ApplyPlan p = plan_apply(stored, {task("db")}, {"/p/shop.toml"}, {"shop"}, true, [](const std::string&) { return false; });
  REQUIRE(p.removed.size() == 1);
  CHECK(p.removed[0].id == "api");
}
