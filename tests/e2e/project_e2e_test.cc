// End to end: project descriptors, -p/--tag selection, `spmi apply` (only
// changed running tasks restart, --prune, --dry-run changes nothing), and
// clean refusing a task others depend on.
#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::SpmiEnv;

namespace {

// A TOML project "shop": db, api (depends on db, env GREETING), worker
// (tagged batch, depends on api). `greeting` and `extra` vary the file.
std::string shop(const SpmiEnv& env, const std::string& greeting = "hello", bool with_worker = true,
                 const std::string& extra = "") {
  std::string text = R"([project]
name = "shop"
[project.defaults]
tags = ["shop"]
[project.defaults.wrapper]
stop_timeout = "2s"
[project.tasks.db.wrapper]
command = "exec sleep 300"
[project.tasks.api]
depends_on = ["db"]
[project.tasks.api.wrapper]
command = "echo \"greeting=$GREETING\"; exec sleep 300"
env = { GREETING = ")" + greeting + R"(" }
)";
  if (with_worker)
    text += R"([project.tasks.worker]
depends_on = ["api"]
tags = ["shop", "batch"]
[project.tasks.worker.wrapper]
command = "exec sleep 300"
)";
  return env.write("shop.toml", text + extra);
}

std::vector<std::string> ids_of(const std::string& list_json) {
  std::vector<std::string> out;
  nlohmann::json j = nlohmann::json::parse(list_json);
  for (const auto& t : j["tasks"]) out.push_back(t["id"]);
  return out;
}

bool never_started(const SpmiEnv& env, const std::string& id) {
  return spmi::test::slurp(env.spmi_path() + "/" + id + "/state").empty();
}

}  // namespace

TEST_CASE("a project starts with -p in dependency order, and --tag selects across projects", "[e2e][project]") {
  SpmiEnv env;
  std::string solo = env.write("solo.toml", "[task]\nid = \"solo\"\ntags = [\"batch\"]\n[task.wrapper]\ncommand = \"exec sleep 300\"\n");
  REQUIRE(env.run({"load", shop(env), solo}).exit_code == 0);

  auto r = env.run({"start", "-p", "shop"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("started db") < r.out.find("started api"));
  CHECK(r.out.find("started api") < r.out.find("started worker"));
  CHECK(r.out.find("solo") == std::string::npos);
  CHECK(never_started(env, "solo"));

  CHECK(ids_of(env.run({"list", "-p", "shop", "--json"}).out) == std::vector<std::string>{"api", "db", "worker"});
  CHECK(ids_of(env.run({"list", "--tag", "batch", "--json"}).out) == std::vector<std::string>{"solo", "worker"});
  // Kinds together must all match: the batch tasks of shop.
  CHECK(ids_of(env.run({"list", "--tag", "batch", "-p", "shop", "--json"}).out) == std::vector<std::string>{"worker"});
  auto j = nlohmann::json::parse(env.run({"list", "--json", "db"}).out);
  CHECK(j["tasks"][0]["project"] == "shop");
  CHECK(j["tasks"][0]["tags"] == nlohmann::json::array({"shop"}));
  auto table = env.run({"list"}).out;
  CHECK(table.find("PROJECT") != std::string::npos);
  CHECK(env.run({"status", "db"}).out.find("Project: shop") != std::string::npos);

  r = env.run({"stop", "--tag", "batch", "-p", "shop"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stopped worker") != std::string::npos);
  CHECK(r.out.find("stopped api") == std::string::npos);

  r = env.run({"start", "-p", "nope"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("no loaded task belongs to project 'nope'") != std::string::npos);
  r = env.run({"list", "-p", "shop", "solo"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("no loaded task matches all of: patterns 'solo', projects 'shop'") != std::string::npos);
  r = env.run({"start"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("which tasks?") != std::string::npos);
  CHECK(env.run({"stop", "db"}).exit_code == 0);  // and api, which depends on it
}

TEST_CASE("apply twice with one changed task restarts only that task, with its new definition", "[e2e][project][apply]") {
  SpmiEnv env;
  auto r = env.run({"apply", shop(env)});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("+ db (new; load only)") != std::string::npos);
  CHECK(never_started(env, "db"));  // apply loads, it does not start
  REQUIRE(env.run({"start", "-p", "shop"}).exit_code == 0);
  REQUIRE(eventually(5000, [&] { return env.run({"logs", "api"}).out.find("greeting=hello") != std::string::npos; }));
  auto db = env.state("db"), api = env.state("api"), worker = env.state("worker");

  // The same file again: nothing to do, nothing restarted.
  r = env.run({"apply", shop(env)});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("nothing to do") != std::string::npos);
  CHECK(env.state("api").run_id == api.run_id);

  // One changed task: only it restarts, and runs the new definition.
  r = env.run({"apply", shop(env, "bonjour")});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("~ api: env (running: restart)") != std::string::npos);
  CHECK(r.out.find("= db (unchanged)") != std::string::npos);
  CHECK(r.out.find("= worker (unchanged)") != std::string::npos);
  CHECK(r.out.find("bonjour") == std::string::npos);  // env values never in the plan
  CHECK(r.out.find("stopped api") < r.out.find("started api"));
  auto api2 = env.state("api");
  CHECK(api2.run_id != api.run_id);
  CHECK(api2.pid != api.pid);
  CHECK(alive(api2.pid));
  CHECK_FALSE(alive(api.pid));
  CHECK(env.state("db").run_id == db.run_id);
  CHECK(env.state("worker").run_id == worker.run_id);
  CHECK(alive(db.pid));
  CHECK(alive(worker.pid));
  CHECK(eventually(5000, [&] { return env.run({"logs", "api"}).out.find("greeting=bonjour") != std::string::npos; }));

  // A changed task that is not running is updated, not started.
  REQUIRE(env.run({"stop", "worker"}).exit_code == 0);
  std::string stopped_run = env.state("worker").run_id;
  r = env.run({"apply", shop(env, "bonjour", true, "[project.tasks.worker.logs]\nkeep = 2\n")});
  CHECK(r.out.find("~ worker: logs.keep (inactive: update)") != std::string::npos);
  CHECK(r.out.find("started") == std::string::npos);
  CHECK(env.state("worker").run_id == stopped_run);
  CHECK(env.run({"stop", "db"}).exit_code == 0);
}

TEST_CASE("the tasks of one file keep its bytes in one shared copy that apply replaces whole", "[e2e][project][apply]") {
  SpmiEnv env;
  std::string path = shop(env);
  REQUIRE(env.run({"load", path}).exit_code == 0);
  auto copy_of = [&](const std::string& id) { return env.spmi_path() + "/" + id + "/descriptor.toml"; };
  struct stat st {};
  for (const char* id : {"db", "api", "worker"}) {
    CHECK(spmi::test::slurp(copy_of(id)) == spmi::test::slurp(path));
    // One inode for the three tasks: the file's bytes were written once.
    REQUIRE(::stat(copy_of(id).c_str(), &st) == 0);
    CHECK(st.st_nlink == 3);
    CHECK((st.st_mode & 0777) == 0600);
  }
  // The shared file the loader wrote is gone: only the tasks' links are left.
  for (const auto& e : std::filesystem::directory_iterator(env.spmi_path()))
    CHECK(e.path().filename().string()[0] != '.');
  // apply of a changed file rewrites the changed task's copy alone, whole,
  // as a file of its own; the unchanged tasks keep theirs.
  std::string before = spmi::test::slurp(path);
  shop(env, "hi");
  REQUIRE(env.run({"apply", path}).exit_code == 0);
  CHECK(spmi::test::slurp(copy_of("api")) == spmi::test::slurp(path));
  REQUIRE(::stat(copy_of("api").c_str(), &st) == 0);
  CHECK(st.st_nlink == 1);
  CHECK(spmi::test::slurp(copy_of("db")) == before);
  REQUIRE(::stat(copy_of("db").c_str(), &st) == 0);
  CHECK(st.st_nlink == 2);
}

TEST_CASE("apply --dry-run prints the plan and changes nothing", "[e2e][project][apply]") {
  SpmiEnv env;
  std::string other = env.write("other.toml", "[task]\nid = \"other\"\n[task.wrapper]\ncommand = \"exec sleep 300\"\n");
  REQUIRE(env.run({"apply", shop(env), other}).exit_code == 0);
  REQUIRE(env.run({"start", "api", "other"}).exit_code == 0);
  // api's greeting reaches its log after the start: wait for it, so the
  // snapshot is of a quiet directory.
  REQUIRE(eventually(5000, [&] { return spmi::test::slurp(env.spmi_path() + "/api/stdout.log").find("greeting=") != std::string::npos; }));
  std::string before = env.snapshot();
  // Changed (running and not), added, removed with --prune.
  std::string text = shop(env, "ciao", false, R"([project.tasks.cache.wrapper]
command = "exec sleep 300"
[project.tasks.db.logs]
timestamps = true
)");
  auto r = env.run({"apply", "--dry-run", "--prune", text});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("plan (dry run: nothing is changed):") == 0);
  CHECK(r.out.find("+ cache (new; load only)") != std::string::npos);
  CHECK(r.out.find("~ api: env (running: restart)") != std::string::npos);
  CHECK(r.out.find("~ db: logs.timestamps (running: restart)") != std::string::npos);
  CHECK(r.out.find("- worker (remove)") != std::string::npos);
  CHECK(r.out.find("other") == std::string::npos);  // another file's task is none of apply's business
  CHECK(r.out.find("stop order: api -> db") != std::string::npos);
  CHECK(r.out.find("restart order: db -> api") != std::string::npos);
  auto j = nlohmann::json::parse(env.run({"apply", "--dry-run", "--prune", "--json", text}).out);
  CHECK(j["dry_run"] == true);
  CHECK(j["added"] == nlohmann::json::array({"cache"}));
  CHECK(j["restart_order"] == nlohmann::json::array({"db", "api"}));
  CHECK(j["removed"][0]["id"] == "worker");
  CHECK(env.snapshot() == before);
  CHECK(env.run({"stop", "api|db|other"}).exit_code == 0);
}

TEST_CASE("apply --prune stops and removes what the file dropped, and keeps other files' tasks", "[e2e][project][apply]") {
  SpmiEnv env;
  std::string other = env.write("other.toml", "[task]\nid = \"other\"\n[task.wrapper]\ncommand = \"exec sleep 300\"\n");
  REQUIRE(env.run({"apply", shop(env), other}).exit_code == 0);
  REQUIRE(env.run({"start", "-p", "shop"}).exit_code == 0);
  auto worker = env.state("worker");

  // Without --prune the dropped task is kept and named.
  auto r = env.run({"apply", shop(env, "hello", false)});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("? worker (no longer in the files; kept, --prune removes it)") != std::string::npos);
  CHECK(alive(worker.pid));

  r = env.run({"apply", "--prune", shop(env, "hello", false)});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("- worker (running: stop, then remove)") != std::string::npos);
  CHECK(r.out.find("stopped worker") != std::string::npos);
  CHECK(r.out.find("removed worker") != std::string::npos);
  CHECK(eventually(5000, [&] { return !alive(worker.pid); }));
  r = env.run({"list", "--json"});
  INFO(r.out << r.err);
  CHECK(ids_of(r.out) == std::vector<std::string>{"api", "db", "other"});
  CHECK(alive(env.state("api").pid));

  // Pruning a task that a remaining one depends on is refused, changing nothing.
  std::string before = env.snapshot();
  std::string no_db = env.write("shop.toml", R"([project]
name = "shop"
[project.tasks.api]
depends_on = ["db"]
[project.tasks.api.wrapper]
command = "exec sleep 300"
)");
  r = env.run({"apply", "--prune", no_db});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("task 'api' depends on 'db'") != std::string::npos);
  CHECK(r.err.find("--prune would remove: db") != std::string::npos);
  CHECK(env.snapshot() == before);
  CHECK(env.run({"stop", "-p", "shop"}).exit_code == 0);
}

TEST_CASE("apply refuses an invalid file without touching anything", "[e2e][project][apply]") {
  SpmiEnv env;
  REQUIRE(env.run({"apply", shop(env)}).exit_code == 0);
  std::string before = env.snapshot();
  auto r = env.run({"apply", "--prune", shop(env, "x", true, "[project.tasks.broken.wrapper]\nstop_timeout = \"soon\"\n")});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("shop.toml:") != std::string::npos);
  CHECK(r.err.find("task 'broken'") != std::string::npos);
  CHECK(r.err.find("nothing applied") != std::string::npos);
  CHECK(env.snapshot() == before);
}

TEST_CASE("clean refuses a task that other loaded tasks depend on, unless they go too", "[e2e][project]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", shop(env)}).exit_code == 0);
  auto r = env.run({"clean", "db"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("db: not cleaned: 'api' depends on it") != std::string::npos);
  CHECK(env.run({"list", "--json", "db"}).exit_code == 0);
  // Together with everything that depends on it: dependents go first.
  r = env.run({"clean", "-p", "shop"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "cleaned worker\ncleaned api\ncleaned db\n");
}
