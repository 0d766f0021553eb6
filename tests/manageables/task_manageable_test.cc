// Tests of the task schema: normalization, defaults, and every kind of error.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "backends/registry.h"
#include "common/wrapper_types.h"
#include "manageables/descriptor_keys.h"
#include "manageables/load_helpers.h"

using namespace spmi;

using spmi::test::Loaded;

namespace {
Loaded load(const std::string& name, const std::string& text) {
  return spmi::test::load_text(spmi::test::descriptor_dir(), name, text);
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
  CHECK(s.cwd == spmi::test::descriptor_dir() + "/sub");
  CHECK(s.env == std::vector<std::pair<std::string, std::string>>{{"NAME", "x"}, {"PORT", "8080"}});
  CHECK(s.source == spmi::test::descriptor_dir() + "/full.toml");
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
  CHECK(s.cwd == spmi::test::descriptor_dir());
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

TEST_CASE("watchdog keys in YAML and JSON give the same spec as in TOML", "[task][watchdog]") {
  auto toml = load("wd.toml", R"([task]
id = "wd"
[task.wrapper]
type = "watchdog"
command = "serve"
ready_fd = 3
schedule = "*/15 * * * * *"
timezone = "Europe/Berlin"
max_runtime = "10s"
not_before = "2026-12-01"
not_after = "2027-01-01T00:00:00Z"
max_memory = "512MiB"
[task.wrapper.health]
type = "http"
url = "http://[::1]:8080/health?full=1"
interval = "2s"
timeout = "500ms"
start_period = "10s"
success_after = 2
failure_after = 4
on_unhealthy = "restart"
)");
  auto yaml = load("wd.yaml", R"(task:
  id: wd
  wrapper:
    type: watchdog
    command: serve
    ready_fd: 3
    schedule: "*/15 * * * * *"
    timezone: Europe/Berlin
    max_runtime: 10s
    not_before: "2026-12-01"
    not_after: "2027-01-01T00:00:00Z"
    max_memory: 512MiB
    health:
      type: http
      url: "http://[::1]:8080/health?full=1"
      interval: 2s
      timeout: 500ms
      start_period: 10s
      success_after: 2
      failure_after: 4
      on_unhealthy: restart
)");
  auto json = load("wd.json", R"({"task": {"id": "wd", "wrapper": {"type": "watchdog", "command": "serve",
    "ready_fd": 3, "schedule": "*/15 * * * * *", "timezone": "Europe/Berlin", "max_runtime": "10s",
    "not_before": "2026-12-01", "not_after": "2027-01-01T00:00:00Z", "max_memory": "512MiB",
    "health": {"type": "http", "url": "http://[::1]:8080/health?full=1", "interval": "2s", "timeout": "500ms",
               "start_period": "10s", "success_after": 2, "failure_after": 4, "on_unhealthy": "restart"}}}})");
  for (const Loaded* l : {&toml, &yaml, &json}) {
    INFO(l->all());
    REQUIRE(l->ok);
    const TaskSpec& s = l->specs.at(0);
    CHECK(s.ready_fd == 3);
    CHECK(s.schedule.cron == "*/15 * * * * *");
    CHECK(s.schedule.timezone == "Europe/Berlin");
    CHECK(s.schedule.max_runtime_ms == 10000);
    CHECK(s.schedule.not_before_ms == 1796079600000);  // 2026-12-01 00:00 CET
    CHECK(s.schedule.not_after_ms == 1798761600000);
    CHECK(s.max_memory_bytes == 512LL << 20);
    CHECK(s.health.type == HealthType::Http);
    CHECK(s.health.host == "::1");
    CHECK(s.health.port == 8080);
    CHECK(s.health.http_path == "/health?full=1");
    CHECK(s.health.interval_ms == 2000);
    CHECK(s.health.timeout_ms == 500);
    CHECK(s.health.start_period_ms == 10000);
    CHECK(s.health.success_after == 2);
    CHECK(s.health.failure_after == 4);
    CHECK(s.health.restart_on_unhealthy);
    // The spec's encoding keeps all of it.
    TaskSpec back;
    std::string err;
    REQUIRE(parse_spec(serialize_spec(s), &back, &err));
    CHECK(serialize_spec(back) == serialize_spec(s));
  }
}

TEST_CASE("bad watchdog keys are reported with their position", "[task][watchdog]") {
  auto l = load("badwd.toml", R"([task]
id = "wd"
[task.wrapper]
type = "watchdog"
command = "serve"
ready_fd = 2
schedule = "61 * * * *"
timezone = "Europe/Berln"
max_memory = "lots"
max_runtime = "0s"
[task.wrapper.health]
type = "tcp"
url = "http://x/"
failure_after = 0
on_unhealthy = "reboot"
)");
  CHECK_FALSE(l.ok);
  std::string all = l.all();
  INFO(all);
  CHECK(all.find("badwd.toml:6:12: task.wrapper.ready_fd: expected a whole number from 3 to 255, got 2") !=
        std::string::npos);
  CHECK(all.find("badwd.toml:7:12: task.wrapper.schedule: '61 * * * *': minute field: 61 is out of range 0-59") !=
        std::string::npos);
  CHECK(all.find("task.wrapper.timezone: unknown time zone 'Europe/Berln'") != std::string::npos);
  CHECK(all.find("task.wrapper.max_memory: 'lots' is not a size") != std::string::npos);
  CHECK(all.find("task.wrapper.max_runtime: must be longer than 0s") != std::string::npos);
  CHECK(all.find("task.wrapper.health.url: only for a http check (this one is type = \"tcp\")") != std::string::npos);
  CHECK(all.find("missing required key 'task.wrapper.health.port'") != std::string::npos);
  CHECK(all.find("task.wrapper.health.failure_after: expected a whole number from 1 to 1000") != std::string::npos);
  CHECK(all.find("task.wrapper.health.on_unhealthy: unknown action 'reboot' (known: none, restart)") !=
        std::string::npos);

  auto d = load("defwd.toml", R"([task]
id = "d"
[task.wrapper]
command = "x"
schedule = "@daily"
)");
  CHECK_FALSE(d.ok);
  CHECK(d.all().find("task.wrapper.schedule: needs type = \"watchdog\" in [task.wrapper]") != std::string::npos);

  auto h = load("https.toml", R"([task]
id = "h"
[task.wrapper]
type = "watchdog"
command = "x"
not_before = "2026-01-01"
[task.wrapper.health]
type = "http"
url = "https://example.org/"
)");
  CHECK_FALSE(h.ok);
  CHECK(h.all().find("https is not supported") != std::string::npos);
  CHECK(h.all().find("task.wrapper.not_before: only applies with a 'schedule'") != std::string::npos);
}

TEST_CASE("the loader's wrapper types and the executables' table name the same types", "[task][wrapper-types]") {
  // Every type with an executable loads...
  for (const auto& t : kWrapperTypeInfo) {
    INFO(t.name);
    auto l = load(std::string("wt-") + t.name + ".toml",
                  std::string("[task]\nid = \"x\"\n[task.wrapper]\ntype = \"") + t.name + "\"\ncommand = \"true\"\n");
    CHECK(l.ok);
  }
  // ...and every type the loader knows has an executable.
  auto bad = load("wt-bad.toml", "[task]\nid = \"x\"\n[task.wrapper]\ntype = \"nope\"\ncommand = \"true\"\n");
  REQUIRE_FALSE(bad.ok);
  std::string msg = bad.all();
  size_t at = msg.find("(known: ");
  REQUIRE(at != std::string::npos);
  std::string known = msg.substr(at + 8, msg.find(')', at) - at - 8);
  size_t pos = 0;
  while (pos <= known.size()) {
    size_t comma = known.find(", ", pos);
    std::string name = known.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    INFO(name);
    CHECK(find_wrapper_type(name) != nullptr);
    if (comma == std::string::npos) break;
    pos = comma + 2;
  }
}

namespace {

// The text of every page under docs/sphinx.
std::string sphinx_docs() {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(SPMI_SOURCE_DIR) + "/docs/sphinx")) {
    if (e.path().extension() != ".rst") continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    all += text.str();
  }
  return all;
}

// A key counts as documented when a page shows it as a literal (``key``)
// or in an example line ("key = ...").
bool documented(const std::string& docs, std::string_view key) {
  std::string k(key);
  return docs.find("``" + k + "``") != std::string::npos || docs.find("\n" + k + " = ") != std::string::npos ||
         docs.find(" " + k + " = ") != std::string::npos;
}

}  // namespace

TEST_CASE("every descriptor key and backend option is documented in docs/sphinx", "[descriptor][docs]") {
  std::string docs = sphinx_docs();
  REQUIRE(docs.size() > 10000);
  REQUIRE(descriptor_keys().size() > 60);
  for (const auto& k : descriptor_keys()) {
    INFO(std::string(k.section) + "." + k.key);
    CHECK(documented(docs, k.key));
  }
  for (const char* name : {"native", "screen", "tmux", "slurm"}) {
    const Backend* b = find_backend(name);
    REQUIRE(b);
    for (std::string_view k : b->option_keys()) {
      INFO(std::string(name) + ": task.backend." + std::string(k));
      CHECK(documented(docs, k));
    }
  }
  // The table is what the loader enforces: a watchdog-only key is refused
  // for the default wrapper, and every section's keys are allowed there.
  CHECK(allowed_keys("task.wrapper", "watchdog").size() > allowed_keys("task.wrapper", "default").size());
  CHECK(allowed_keys("task.wrapper.health", "tcp").size() == allowed_keys("task.wrapper.health", "http").size() + 1);
}

TEST_CASE("no spec key starts with a backend's name, which marks the backend's own options", "[descriptor][spec]") {
  std::string names = backend_type_names() + ", ";
  size_t count = 0;
  for (size_t at = 0, comma; (comma = names.find(", ", at)) != std::string::npos; at = comma + 2) {
    std::string prefix = names.substr(at, comma - at) + "_";
    ++count;
    for (const char* key : spec_keys()) {
      INFO(prefix << " " << key);
      CHECK(std::string(key).rfind(prefix, 0) != 0);
    }
  }
  CHECK(count == 4);
}
