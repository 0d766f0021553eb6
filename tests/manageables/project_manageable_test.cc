// Tests of the project form: defaults merging, the three formats (the
// documentation's own examples), and errors reported once with positions.
#include <catch2/catch.hpp>

#include "manageables/load_helpers.h"

using namespace spmi;

using spmi::test::Loaded;
using spmi::test::load_path;

namespace {
Loaded load(const std::string& name, const std::string& text) {
  return spmi::test::load_text(spmi::test::descriptor_dir(), name, text);
}

// The spec without what differs by file (source, load time).
std::string definition(TaskSpec s) {
  s.source.clear();
  s.loaded_at_ms = 0;
  return serialize_spec(s);
}
}  // namespace

TEST_CASE("the documented project example means the same in TOML, YAML and JSON", "[project]") {
  std::string dir = SPMI_SOURCE_DIR "/docs/sphinx/examples/";
  Loaded toml = load_path(dir + "shop.toml"), yaml = load_path(dir + "shop.yaml"), json = load_path(dir + "shop.json");
  for (const Loaded* l : {&toml, &yaml, &json}) {
    INFO(l->all());
    REQUIRE(l->ok);
    REQUIRE(l->specs.size() == 3);
    for (const char* id : {"db", "api", "mailer"}) CHECK(definition(l->spec(id)) == definition(toml.spec(id)));
  }
  const TaskSpec& db = toml.spec("db");
  CHECK(db.project == "shop");
  CHECK(db.tags == std::vector<std::string>{"shop", "storage"});  // the task's own list replaces the default
  CHECK(db.comment == "stand-in database");
  CHECK(db.wrapper == "watchdog");
  CHECK(db.restart.mode == RestartMode::OnFailure);
  CHECK(db.stop_timeout_ms == 5000);
  CHECK(db.logs.keep == 3);
  CHECK(db.health.type == HealthType::Tcp);
  const TaskSpec& api = toml.spec("api");
  CHECK(api.tags == std::vector<std::string>{"shop"});  // inherited
  CHECK(api.depends_on == std::vector<std::string>{"db"});
  CHECK(api.start_when == "healthy");
  CHECK(api.env == std::vector<std::pair<std::string, std::string>>{{"DB_PORT", "18401"}});
  const TaskSpec& mailer = toml.spec("mailer");
  CHECK(mailer.restart.mode == RestartMode::Always);  // overrides one key of the default wrapper table
  CHECK(mailer.stop_timeout_ms == 5000);              // keeps the others
  CHECK(mailer.logs.max_size == 5 << 20);
  // The spec encoding keeps project and tags.
  TaskSpec back;
  std::string err;
  REQUIRE(parse_spec(serialize_spec(db), &back, &err));
  CHECK(back.project == "shop");
  CHECK(back.tags == db.tags);
}

TEST_CASE("a single-task descriptor may carry tags and has no project", "[project]") {
  auto l = load("one.toml", "[task]\nid = \"one\"\ntags = [\"a\", \"b\", \"a\"]\n[task.wrapper]\ncommand = \"true\"\n");
  INFO(l.all());
  REQUIRE(l.ok);
  CHECK(l.specs.at(0).tags == std::vector<std::string>{"a", "b"});
  CHECK(l.specs.at(0).project.empty());
}

TEST_CASE("project errors name the task and the position, defaults problems once", "[project]") {
  auto l = load("bad.yaml", R"(project:
  name: shop
  defaults:
    depends_on: [x]
    wrapper:
      stop_timeout: 3 parsecs
  tasks:
    - id: db
      wrapper: {command: "sleep 1"}
    - id: db
      wrapper: {command: "sleep 1", bogus: 1}
    - wrapper: {command: "x"}
    - id: web
      tags: ["no spaces"]
      wrapper: {command: "x"}
)");
  CHECK_FALSE(l.ok);
  std::string all = l.all();
  INFO(all);
  CHECK(all.find("bad.yaml:4:5: unknown key 'project.defaults.depends_on'") != std::string::npos);
  // One line for a problem every task inherits, naming them.
  CHECK(all.find("bad.yaml:6:21: tasks 'db', '#3', 'web': task.wrapper.stop_timeout") != std::string::npos);
  CHECK(all.find("bad.yaml:11:37: task 'db': unknown key 'task.wrapper.bogus'") != std::string::npos);
  CHECK(all.find("bad.yaml:10:11: task 'db': task id 'db' is defined twice in this project") != std::string::npos);
  CHECK(all.find("task '#3': missing required key 'task.id'") != std::string::npos);
  CHECK(all.find("bad.yaml:14:14: task 'web': task.tags: 'no spaces' is not a valid tag") != std::string::npos);
  CHECK(l.diags.size() == 6);
}

TEST_CASE("project structure errors", "[project]") {
  SECTION("name is required and must be a valid name") {
    auto l = load("noname.toml", "[project]\n[project.tasks.a.wrapper]\ncommand = \"x\"\n");
    CHECK(l.all().find("missing required key 'project.name'") != std::string::npos);
    auto m = load("badname.toml", "[project]\nname = \"a b\"\n[project.tasks.a.wrapper]\ncommand = \"x\"\n");
    CHECK(m.all().find("badname.toml:2:8: project.name: 'a b' is not a valid project name") != std::string::npos);
  }
  SECTION("tasks: required, not empty, tables") {
    CHECK(load("notasks.toml", "[project]\nname = \"p\"\n").all().find("missing required key 'project.tasks'") !=
          std::string::npos);
    CHECK(load("empty.json", R"({"project": {"name": "p", "tasks": []}})").all().find(
              "project.tasks: a project needs at least one task") != std::string::npos);
    CHECK(load("scalar.json", R"({"project": {"name": "p", "tasks": {"a": 3}}})").all().find(
              "project.tasks.a: expected a table (a task), got an integer") != std::string::npos);
  }
  SECTION("in the table form the key is the id") {
    auto l = load("mismatch.toml", "[project]\nname = \"p\"\n[project.tasks.a]\nid = \"b\"\n[project.tasks.a.wrapper]\ncommand = \"x\"\n");
    CHECK(l.all().find("mismatch.toml:4:6: project.tasks.a.id: must be 'a'") != std::string::npos);
    auto ok = load("same.toml", "[project]\nname = \"p\"\n[project.tasks.a]\nid = \"a\"\n[project.tasks.a.wrapper]\ncommand = \"x\"\n");
    INFO(ok.all());
    CHECK(ok.ok);
  }
  SECTION("a bad task id in the table form points at the key") {
    auto l = load("badid.toml", "[project]\nname = \"p\"\n[project.tasks.\"a b\".wrapper]\ncommand = \"x\"\n");
    CHECK_FALSE(l.ok);
    CHECK(l.all().find("task 'a b': task.id: 'a b' is not a valid task id") != std::string::npos);
  }
}
