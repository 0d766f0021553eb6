// Tests of the task schema: normalization, defaults, and every kind of error.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "manageables/registry.h"

using namespace spmi;

namespace {
struct Loaded {
  bool ok;
  std::vector<TaskSpec> specs;
  std::vector<Diagnostic> diags;
  std::string all() const {
    std::string s;
    for (const auto& d : diags) s += d.format() + "\n";
    return s;
  }
};

Loaded load(const std::string& name, const std::string& text) {
  std::string dir = "/tmp/spmi-task-test";
  std::filesystem::create_directories(dir);
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  Loaded l;
  Document doc;
  l.ok = load_descriptor(path, &doc, &l.specs, &l.diags);
  return l;
}
}  // namespace

TEST_CASE("a full descriptor normalizes into a spec", "[task]") {
  auto l = load("full.toml", R"([task]
id = "web-1.a_b"
comment = "c"
[task.backend]
type = "native"
[task.wrapper]
type = "default"
command = ["python3", "-m", "http.server"]
mixed_stdout = true
stop_signal = "INT"
stop_timeout = "1m30s"
cwd = "sub"
env = { PORT = 8080, NAME = "x" }
)");
  INFO(l.all());
  REQUIRE(l.ok);
  const TaskSpec& s = l.specs.at(0);
  CHECK(s.id == "web-1.a_b");
  CHECK(s.argv == std::vector<std::string>{"python3", "-m", "http.server"});
  CHECK(s.mixed_stdout);
  CHECK(s.stop_signal == SIGINT);
  CHECK(s.stop_timeout_ms == 90000);
  CHECK(s.cwd == "/tmp/spmi-task-test/sub");
  CHECK(s.env == std::vector<std::pair<std::string, std::string>>{{"NAME", "x"}, {"PORT", "8080"}});
  CHECK(s.source == "/tmp/spmi-task-test/full.toml");
}

TEST_CASE("defaults: native backend, default wrapper, SIGTERM, 10s, the descriptor's directory", "[task]") {
  auto l = load("min.yaml", "task:\n  id: m\n  wrapper:\n    command: run\n");
  INFO(l.all());
  REQUIRE(l.ok);
  const TaskSpec& s = l.specs.at(0);
  CHECK(s.backend == "native");
  CHECK(s.wrapper == "default");
  CHECK(s.shell_command == "run");
  CHECK(s.stop_signal == SIGTERM);
  CHECK(s.stop_timeout_ms == 10000);
  CHECK(s.cwd == "/tmp/spmi-task-test");
  CHECK_FALSE(s.mixed_stdout);
  setenv("HOME", "/home/someone", 1);
  auto h = load("home.yaml", "task:\n  id: m\n  wrapper:\n    command: run\n    cwd: ~/w\n");
  REQUIRE(h.ok);
  CHECK(h.specs[0].cwd == "/home/someone/w");
}

TEST_CASE("ids must be safe directory names", "[task]") {
  for (const std::string& bad : std::vector<std::string>{"../x", "a/b", ".", "..", "", ".hidden", "a b", "é", std::string(65, 'a')}) {
    auto l = load("id.json", "{\"task\": {\"id\": \"" + bad + "\", \"wrapper\": {\"command\": \"true\"}}}");
    INFO(bad << "\n" << l.all());
    CHECK_FALSE(l.ok);
    CHECK(l.all().find("task.id:") != std::string::npos);
  }
  auto ok = load("id.json", "{\"task\": {\"id\": \"" + std::string(64, 'a') + "\", \"wrapper\": {\"command\": \"true\"}}}");
  CHECK(ok.ok);
}

TEST_CASE("every problem of a file is reported at once, with positions", "[task]") {
  auto l = load("many.yaml", R"(task:
  id: 5
  extra: x
  backend:
    type: native
    host: h
  wrapper:
    command: []
    mixed_stdout: 1
    stop_timeout: 5
    stop_signal: SIGNOPE
    env:
      A: [1]
      "B=C": x
)");
  std::string all = l.all();
  INFO(all);
  CHECK_FALSE(l.ok);
  CHECK(all.find("many.yaml:2:7: task.id: expected a string, got an integer (quote it)") != std::string::npos);
  CHECK(all.find("many.yaml:3:3: unknown key 'task.extra'") != std::string::npos);
  CHECK(all.find("many.yaml:6:5: unknown key 'task.backend.host'") != std::string::npos);
  CHECK(all.find("many.yaml:8:14: task.wrapper.command: the argv array must not be empty") != std::string::npos);
  CHECK(all.find("many.yaml:9:19: task.wrapper.mixed_stdout: expected a boolean") != std::string::npos);
  CHECK(all.find("many.yaml:10:19: task.wrapper.stop_timeout: expected a duration string") != std::string::npos);
  CHECK(all.find("many.yaml:11:18: task.wrapper.stop_signal: unknown signal 'SIGNOPE'") != std::string::npos);
  CHECK(all.find("many.yaml:13:10: task.wrapper.env.A: expected a string or an integer") != std::string::npos);
  CHECK(all.find("'B=C' is not a valid variable name") != std::string::npos);
  CHECK(l.diags.size() == 9);
}

TEST_CASE("structural errors", "[task]") {
  CHECK(load("a.json", "[1, 2]").all().find("expected a table with one top-level key") != std::string::npos);
  CHECK(load("b.json", "{}").all().find("empty descriptor") != std::string::npos);
  CHECK(load("c.toml", "[task]\nid = \"x\"\n[task.wrapper]\ncommand = \"true\"\n[other]\n").all().find(
            "exactly one top-level key") != std::string::npos);
  CHECK(load("d.toml", "task = 5\n").all().find("task: expected a table, got an integer") != std::string::npos);
  CHECK(load("e.toml", "[task]\nid = \"x\"\n").all().find("missing required key 'task.wrapper'") != std::string::npos);
  CHECK(load("f.toml", "[task]\nwhen = 1979-05-27\nid = \"x\"\n[task.wrapper]\ncommand = \"true\"\n").all().find(
            "unknown key 'task.when'") != std::string::npos);
  CHECK(load("g.toml", "[task]\nid = \"x\"\n[task.wrapper]\ncommand = \"  \"\n").all().find("must not be empty") !=
        std::string::npos);
  CHECK(load("h.json", R"({"task": {"id": "x", "wrapper": {"command": "a\u0000b"}}})").all().find("NUL") !=
        std::string::npos);
}
