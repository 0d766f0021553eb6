// End to end: loading descriptors, validation errors, patterns, exit codes,
// JSON output and read-only commands, against the built spmi binary.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "e2e/harness.h"

using spmi::test::SpmiEnv;

namespace {
const std::string kExamples = std::string(SPMI_SOURCE_DIR) + "/../shared/reference/spmi-examples";
std::string examples_dir() {
  // The SPMI examples live in ../shared; tests/data keeps a verbatim copy so
  // the suite runs from a fresh clone without it.
  std::string copy = std::string(SPMI_SOURCE_DIR) + "/tests/data/spmi-examples";
  return std::filesystem::exists(copy) ? copy : kExamples;
}
}  // namespace

TEST_CASE("every SPMI example descriptor loads unchanged, in each format", "[e2e][load]") {
  for (const std::string fmt : {"toml", "yaml", "json"}) {
    SpmiEnv env;
    std::vector<std::string> args{"load"};
    for (const auto& e : std::filesystem::directory_iterator(examples_dir()))
      if (e.path().extension() == "." + fmt) args.push_back(e.path().string());
    REQUIRE(args.size() >= 4);
    auto r = env.run(args);
    INFO(fmt << ": " << r.err);
    CHECK(r.exit_code == 0);
    auto list = env.run({"list"});
    CHECK(list.exit_code == 0);
    for (const std::string id : {"cal", "echo", "ping"}) CHECK(list.out.find(id + " ") != std::string::npos);
    auto st = env.run({"status", "cal"});
    CHECK(st.out.find("cal (task) - Prints calendar to stdout.") != std::string::npos);
    CHECK(st.out.find("Backend type: screen") != std::string::npos);
    CHECK(st.out.find("     Command: cal") != std::string::npos);
  }
}

TEST_CASE("load refuses duplicates and keeps what is stored", "[e2e][load]") {
  SpmiEnv env;
  auto a = env.task("web", "sleep 5");
  REQUIRE(env.run({"load", a}).exit_code == 0);
  auto before = env.snapshot();
  auto r = env.run({"load", a});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("task 'web' is already loaded from " + env.dir() + "/web.toml (--replace updates it") !=
        std::string::npos);
  CHECK(env.snapshot() == before);

  // The same id in two files of one load: nothing is written.
  auto b = env.write("b.yaml", "task:\n  id: other\n  wrapper:\n    command: 'true'\n");
  auto c = env.write("c.json", R"({"task": {"id": "other", "wrapper": {"command": "true"}}})");
  r = env.run({"load", b, c});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("also defined in") != std::string::npos);
  CHECK(env.snapshot() == before);

  // --replace updates an inactive task.
  auto a2 = env.task("web", "sleep 6");
  r = env.run({"load", "--replace", a2});
  CHECK(r.exit_code == 0);
  CHECK(env.run({"status", "web"}).out.find("Command: sleep 6") != std::string::npos);
}

TEST_CASE("malformed descriptors: every problem reported with its position, nothing written", "[e2e][load]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("keep", "true")}).exit_code == 0);
  auto before = env.snapshot();
  struct Case {
    std::string name, text, expect;
  };
  std::vector<Case> cases = {
      {"bad.toml", "[task]\nid = \"x\"\n[task.wrapper\ncommand = \"true\"\n", "bad.toml:3:"},
      {"bad.yaml", "task:\n  id: x\n  wrapper: [1, 2\n", "bad.yaml:"},
      {"bad.json", "{\n  \"task\": {\n    \"id\": \"x\",,\n  }\n}\n", "bad.json:3:"},
      {"unknown.toml", "[task]\nid = \"x\"\ncolour = \"red\"\n[task.wrapper]\ncommand = \"true\"\n",
       "unknown.toml:3:1: unknown key 'task.colour'"},
      {"badid.json", R"({"task": {"id": "../x", "wrapper": {"command": "true"}}})", "is not a valid task id"},
      {"slash.yaml", "task:\n  id: a/b\n  wrapper:\n    command: 'true'\n", "slash.yaml:2:7: task.id: 'a/b'"},
      {"dot.toml", "[task]\nid = \".\"\n[task.wrapper]\ncommand = \"true\"\n", "must not start with a dot"},
      {"empty.toml", "[task]\nid = \"\"\n[task.wrapper]\ncommand = \"true\"\n", "must not be empty"},
      {"type.toml", "[task]\nid = \"x\"\n[task.wrapper]\ncommand = \"true\"\nmixed_stdout = \"yes\"\n",
       "type.toml:5:16: task.wrapper.mixed_stdout: expected a boolean"},
      {"dur.yaml", "task:\n  id: x\n  wrapper:\n    command: 'true'\n    stop_timeout: 10x\n", "unknown unit 'x'"},
      {"sig.json", R"({"task": {"id": "x", "wrapper": {"command": "true", "stop_signal": "SIGFOO"}}})",
       "unknown signal 'SIGFOO'"},
      {"backend.toml", "[task]\nid = \"x\"\n[task.backend]\ntype = \"docker\"\n[task.wrapper]\ncommand = \"true\"\n",
       "unknown backend type 'docker'"},
      {"wrapper.toml", "[task]\nid = \"x\"\n[task.wrapper]\ntype = \"magic\"\ncommand = \"true\"\n",
       "unknown wrapper type 'magic'"},
      {"manageable.toml", "[service]\nid = \"x\"\n", "unknown manageable type 'service'"},
      {"nocommand.toml", "[task]\nid = \"x\"\n[task.wrapper]\ntype = \"default\"\n",
       "missing required key 'task.wrapper.command'"},
      {"descriptor.txt", "task: {}\n", "unknown descriptor format"},
  };
  for (const auto& c : cases) {
    auto path = env.write(c.name, c.text);
    auto r = env.run({"load", path});
    INFO(c.name << "\n" << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(c.expect) != std::string::npos);
    CHECK(env.snapshot() == before);
  }
  auto r = env.run({"load", env.dir() + "/missing.toml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("missing.toml: cannot read: No such file or directory") != std::string::npos);

  // Several mistakes in one file are all reported in one run.
  auto many = env.write("many.toml",
                        "[task]\nid = \"a b\"\nextra = 1\n[task.wrapper]\ncommand = 5\nstop_signal = \"NOPE\"\n");
  r = env.run({"load", many});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("many.toml:2:6:") != std::string::npos);
  CHECK(r.err.find("many.toml:3:1:") != std::string::npos);
  CHECK(r.err.find("many.toml:5:11:") != std::string::npos);
  CHECK(r.err.find("many.toml:6:15:") != std::string::npos);
  CHECK(r.err.find("4 problem(s)") != std::string::npos);
  CHECK(env.snapshot() == before);
}

TEST_CASE("patterns: whole-id regexes, deduplicated, with distinct exit codes", "[e2e][patterns]") {
  SpmiEnv env;
  for (const std::string id : {"echo", "manageable_1", "manageable_2", "manageable_3"})
    REQUIRE(env.run({"load", env.task(id, "true")}).exit_code == 0);
  auto r = env.run({"status", "ech"});  // SPMI's fullmatch: a prefix is not a match
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("no loaded task matches 'ech'") != std::string::npos);
  r = env.run({"status", "manageable_[1-3]", "manageable_1", "--json"});
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["tasks"].size() == 3);
  r = env.run({"status", "manageable_(1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("invalid pattern 'manageable_(1' at position 13") != std::string::npos);
  // A pathological pattern is cut off by the match limit, never hangs.
  REQUIRE(env.run({"load", env.task(std::string(60, 'a'), "true")}).exit_code == 0);
  r = env.run({"status", "(a*)*b"}, 20);
  CHECK((r.exit_code == 2 || r.exit_code == 3));
  // Usage errors.
  CHECK(env.run({"start"}).exit_code == 2);
  CHECK(env.run({"frobnicate"}).exit_code == 2);
  CHECK(env.run({"--version"}).out.find("spmi ") == 0);
}

TEST_CASE("patterns: plain ids are found directly, in id order and once, a miss still reports", "[e2e][patterns]") {
  SpmiEnv env;
  for (const std::string id : {"echo", "web-2", "web_1", "web"})
    REQUIRE(env.run({"load", env.task(id, "true")}).exit_code == 0);
  auto ids = [](const std::string& out) {
    std::vector<std::string> v;
    auto j = nlohmann::json::parse(out);
    for (const auto& t : j["tasks"]) v.push_back(t["id"]);
    return v;
  };
  // Plain names only: no directory listing, the same answer as the regexes.
  auto r = env.run({"list", "web_1", "echo", "web_1", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(ids(r.out) == std::vector<std::string>{"echo", "web_1"});
  r = env.run({"status", "web", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(ids(r.out) == std::vector<std::string>{"web"});
  // One name that is not loaded: the general path selects the rest, names
  // the miss and guesses.
  r = env.run({"list", "web", "wbe_1", "--json"});
  CHECK(r.exit_code == 3);
  CHECK(ids(r.out) == std::vector<std::string>{"web"});
  CHECK(r.err.find("no loaded task matches 'wbe_1'; did you mean 'web_1'?") != std::string::npos);
  // A name with a dot is a regular expression: "web.1" matches web_1.
  r = env.run({"list", "web.1", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(ids(r.out) == std::vector<std::string>{"web_1"});
}

TEST_CASE("list and status --json follow the documented schema", "[e2e][json]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("a", "echo out; echo err >&2; exit 3")}).exit_code == 0);
  REQUIRE(env.run({"load", env.task("b", "true")}).exit_code == 0);
  REQUIRE(env.run({"start", "a"}).exit_code == 0);
  REQUIRE(spmi::test::eventually(5000, [&] { return env.state("a").phase == spmi::Phase::Exited; }));
  auto j = nlohmann::json::parse(env.run({"list", "--json"}).out);
  REQUIRE(j["schema"] == 1);
  REQUIRE(j["tasks"].size() == 2);
  auto a = j["tasks"][0];
  CHECK(a["id"] == "a");
  CHECK(a["state"] == "inactive");
  CHECK(a["exit"]["code"] == 3);
  CHECK(a["exit"]["signal"].is_null());
  CHECK(a["pid"].is_null());
  CHECK(a["started_at"].is_string());
  CHECK(a["finished_at"].is_string());
  CHECK(j["tasks"][1]["state"] == "inactive");
  CHECK(j["tasks"][1]["phase"].is_null());
  auto s = nlohmann::json::parse(env.run({"status", "a", "--json"}).out)["tasks"][0];
  CHECK(s["stdout_tail"] == nlohmann::json::array({"out"}));
  CHECK(s["stderr_tail"] == nlohmann::json::array({"err"}));
  CHECK(s["command"] == "echo out; echo err >&2; exit 3");
  CHECK(s["path"] == env.spmi_path() + "/a");
  // The human form shows the same, and stderr.
  auto st = env.run({"status", "a"}).out;
  CHECK(st.find("   Exit code: exit 3") != std::string::npos);
  CHECK(st.find("\nout\n") != std::string::npos);
  CHECK(st.find("stderr:\nerr\n") != std::string::npos);
  CHECK(st.find("\033[") == std::string::npos);  // not a terminal: no colour
}

TEST_CASE("read-only commands write nothing", "[e2e][readonly]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("ro", "sleep 30")}).exit_code == 0);
  REQUIRE(env.run({"start", "ro"}).exit_code == 0);
  auto before = env.snapshot();
  CHECK(env.run({"list"}).exit_code == 0);
  CHECK(env.run({"list", "--json"}).exit_code == 0);
  CHECK(env.run({"status", "ro"}).exit_code == 0);
  CHECK(env.run({"status", "ro", "--json"}).exit_code == 0);
  CHECK(env.snapshot() == before);
  // list on a state directory that does not exist does not create it.
  SpmiEnv empty;
  auto r = empty.run({"list"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(empty.spmi_path()));
}

TEST_CASE("a corrupt state file is reported, not guessed", "[e2e][state]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("c", "true")}).exit_code == 0);
  env.write("state/c/state", "spmi-state 1\nphase=running\n");
  auto r = env.run({"list"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("c: " + env.spmi_path() + "/c/state: missing") != std::string::npos);
  CHECK(r.out.find("broken") != std::string::npos);
  env.write("state/c/spec", "spmi-spec 99\n");
  r = env.run({"status", "c"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("layout version 99 is not supported") != std::string::npos);
}

TEST_CASE("list of more tasks than it reads at once: every row in order, each where it belongs", "[e2e][list]") {
  // list reads the tasks a batch at a time (cmd_list.cc) and keeps the
  // views some backend may know more of (here a lost wrapper) to the end:
  // the rows must still come out in id order, each with its own figures.
  SpmiEnv env;
  std::string toml = "[project]\nname = \"many\"\n";
  auto id = [](int i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "t%03d", i);
    return std::string(buf);
  };
  for (int i = 0; i < 600; ++i)
    toml += "[project.tasks." + id(i) + ".wrapper]\ncommand = \"sleep 30\"\n";
  REQUIRE(env.run({"load", env.write("many.toml", toml)}).exit_code == 0);
  REQUIRE(env.run({"start", "t010", "t300", "t550"}).exit_code == 0);
  // t300's wrapper dies and leaves its command running; t450's state file is corrupt.
  pid_t lost_wrapper = env.state("t300").wrapper_pid;
  REQUIRE(lost_wrapper > 0);
  ::kill(lost_wrapper, SIGKILL);
  env.write("state/t450/state", "spmi-state 1\nphase=running\n");
  REQUIRE(spmi::test::eventually(5000, [&] { return env.run({"list", "t300"}).out.find("wrapper-lost") != std::string::npos; }));

  auto r = env.run({"list"});
  CHECK(r.exit_code == 1);  // t450 is broken
  CHECK(r.err.find("t450: " + env.spmi_path() + "/t450/state: missing") != std::string::npos);
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(r.out.substr(at, nl - at));
  REQUIRE(lines.size() == 601);
  CHECK(lines[0].rfind("ID", 0) == 0);
  for (int i = 0; i < 600; ++i) {
    const std::string& line = lines[static_cast<size_t>(i) + 1];
    INFO(line);
    REQUIRE(line.rfind(id(i) + " ", 0) == 0);
    auto has = [&](const std::string& s) { return line.find(s) != std::string::npos; };
    if (i == 10 || i == 550) {
      CHECK(has(" active "));
      CHECK(has(" up "));
      CHECK(has(std::to_string(env.state(id(i)).pid)));
    } else if (i == 300) {
      CHECK(has(" wrapper-lost "));
      CHECK(has("1 process(es) left"));
      CHECK_FALSE(has(" - "));  // its leftover's memory is shown
    } else if (i == 450) {
      CHECK(has(" broken "));
    } else {
      CHECK(has(" inactive "));
      CHECK(has("never started"));
    }
  }
  // The JSON form agrees, with the leftover's figures.
  auto j = nlohmann::json::parse(env.run({"list", "--json"}).out)["tasks"];
  REQUIRE(j.size() == 600);
  CHECK(j[300]["id"] == "t300");
  CHECK(j[300]["state"] == "wrapper-lost");
  CHECK(j[300]["processes"] == 1);
  CHECK(j[10]["processes"] == 1);
  CHECK(j[450]["state"] == "broken");
  CHECK(j[599]["id"] == "t599");
  CHECK(env.run({"kill", "t300"}).exit_code == 0);
}
