// End to end: --json everywhere a script needs it. validate (every problem
// with file, line, column, key; parsed by python3 as an editor or CI would),
// wait, and the outcome of start, stop, kill, restart and apply.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "e2e/harness.h"

using spmi::test::SpmiEnv;
using nlohmann::json;

namespace {
json parse_out(const spmi::test::RunResult& r) {
  INFO(r.out << r.err);
  json j;
  REQUIRE_NOTHROW(j = json::parse(r.out));
  CHECK(j["schema"] == 1);
  return j;
}

const json* task_in(const json& doc, const std::string& id) {
  for (const auto& t : doc["tasks"])
    if (t["id"] == id) return &t;
  return nullptr;
}
}  // namespace

TEST_CASE("validate --json lists every problem with file, line, column, key and message", "[e2e][json]") {
  SpmiEnv env;
  auto bad = env.write("bad.toml", "[task]\nid = \"b\"\n[task.wrapper]\ncomand = \"sleep 1\"\ncommand = \"sleep 1\"\n"
                                   "stop_timeout = \"5 seconds\"\n");
  auto good = env.task("good", "sleep 1");
  auto r = env.run({"validate", "--json", bad, good});
  CHECK(r.exit_code == 1);
  CHECK(r.err.empty());
  // What an editor plugin or a CI step would do with it.
  std::string script =
      "import json, sys\n"
      "d = json.load(open(sys.argv[1]))\n"
      "assert d['valid'] is False, d\n"
      "p = sorted(d['problems'], key=lambda x: (x['line'], x['column']))\n"
      "assert [(x['line'], x['column'], x['key']) for x in p] == "
      "[(4, 1, 'task.wrapper.comand'), (6, 16, 'task.wrapper.stop_timeout')], p\n"
      "assert p[0]['file'].endswith('bad.toml') and \"did you mean 'command'\" in p[0]['message'], p\n"
      "assert d['tasks'] == ['good'], d\n"
      "print('ok')\n";
  auto out = env.write("out.json", r.out);
  auto py = env.write("check.py", script);
  int code = -1;
  std::string said = spmi::test::run_program({"python3", py, out}, &code);
  INFO(r.out << said);
  CHECK(code == 0);
  CHECK(said == "ok\n");
  auto ok = env.run({"validate", "--json", good});
  CHECK(ok.exit_code == 0);
  json j = parse_out(ok);
  CHECK(j["valid"] == true);
  CHECK(j["problems"].empty());
  // A host problem names its task.
  auto typo = env.task("typo", "sleeep 1");
  j = parse_out(env.run({"validate", "--json", typo}));
  REQUIRE(j["problems"].size() == 1);
  CHECK(j["problems"][0]["task"] == "typo");
  CHECK(j["problems"][0]["key"] == "task.wrapper.command");
}

TEST_CASE("start, stop, kill and restart --json give each task's outcome", "[e2e][json]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("j1", "sleep 60"), env.task("j2", "exit 3"), env.task("j3", "sleep 60")}).exit_code == 0);
  auto r = env.run({"start", "--json", "j1", "j3"});
  CHECK(r.exit_code == 0);
  json j = parse_out(r);
  CHECK(j["action"] == "start");
  CHECK(j["ok"] == true);
  CHECK(j["exit_code"] == 0);
  REQUIRE(j["tasks"].size() == 2);
  for (const char* id : {"j1", "j3"}) {
    const json* t = task_in(j, id);
    REQUIRE(t);
    CHECK((*t)["ok"] == true);
    CHECK((*t)["condition"] == "active");
    CHECK((*t)["pid"] == env.state(id).pid);
    REQUIRE((*t)["messages"].size() == 1);
    CHECK((*t)["messages"][0]["text"].get<std::string>().rfind("started " + std::string(id), 0) == 0);
  }
  // Starting an active task again: ok (systemctl's rule), with its note.
  j = parse_out(env.run({"start", "--json", "j1"}));
  CHECK(j["ok"] == true);
  CHECK(task_in(j, "j1")->at("messages")[0]["problem"] == true);
  // A task that cannot reach readiness: start --wait --json says so per task.
  r = env.run({"start", "--json", "--wait", "--for", "ready", "--timeout", "10s", "j2"});
  CHECK(r.exit_code == 1);
  j = parse_out(r);
  CHECK(j["ok"] == false);
  const json* j2 = task_in(j, "j2");
  REQUIRE(j2);
  CHECK((*j2)["ok"] == false);
  CHECK((*j2)["wait"]["reached"] == false);
  CHECK_FALSE((*j2)["wait"]["why"].is_null());

  j = parse_out(env.run({"restart", "--json", "j1"}));
  CHECK(j["action"] == "restart");
  CHECK(task_in(j, "j1")->at("ok") == true);
  CHECK(task_in(j, "j1")->at("pid") == env.state("j1").pid);
  j = parse_out(env.run({"stop", "--json", "j1"}));
  CHECK(j["action"] == "stop");
  CHECK(task_in(j, "j1")->at("condition") == "inactive");
  CHECK(task_in(j, "j1")->at("pid").is_null());
  j = parse_out(env.run({"kill", "--json", "j3", "nosuch.*"}));
  CHECK(j["exit_code"] == 3);  // a pattern matched nothing
  CHECK(j["ok"] == false);
  CHECK(task_in(j, "j3")->at("ok") == true);
}

TEST_CASE("wait --json says what each task reached, and when", "[e2e][json]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("w1", "true"), env.task("w2", "sleep 60"), env.task("w3", "sleep 60")}).exit_code == 0);
  REQUIRE(env.run({"start", "w1", "w2"}).exit_code == 0);
  // w1 exits, w2 runs on past the timeout.
  auto r = env.run({"wait", "--json", "w1", "w2", "--for", "exited", "--timeout", "1s"});
  CHECK(r.exit_code == 5);
  json j = parse_out(r);
  CHECK(j["for"] == "exited");
  CHECK(j["exit_code"] == 5);
  CHECK(j["ok"] == false);
  const json* w1 = task_in(j, "w1");
  const json* w2 = task_in(j, "w2");
  REQUIRE(w1);
  REQUIRE(w2);
  CHECK((*w1)["reached"] == true);
  CHECK((*w1)["why"].is_null());
  CHECK((*w2)["reached"] == false);
  CHECK((*w2)["timed_out"] == true);
  CHECK((*w2)["after_seconds"].get<double>() >= 1.0);
  // w3 was never started: it will not be running.
  r = env.run({"wait", "--json", "w3", "--timeout", "5s"});
  CHECK(r.exit_code == 1);
  j = parse_out(r);
  CHECK(task_in(j, "w3")->at("timed_out") == false);
  CHECK(task_in(j, "w3")->at("why").get<std::string>().find("will not become running") == 0);
  j = parse_out(env.run({"wait", "--json", "w1", "--for", "exited"}));
  CHECK(j["ok"] == true);
  CHECK(env.run({"kill", "w2"}).exit_code == 0);
}

TEST_CASE("apply --json prints the plan and each task's outcome as one document", "[e2e][json][apply]") {
  SpmiEnv env;
  auto file = env.write("p.toml", "[project]\nname = \"p\"\n[project.tasks.x.wrapper]\ncommand = \"sleep 60\"\n"
                                  "[project.tasks.y.wrapper]\ncommand = \"sleep 60\"\n");
  auto r = env.run({"apply", "--json", file});
  CHECK(r.exit_code == 0);
  json j = parse_out(r);
  CHECK(j["action"] == "apply");
  CHECK(j["added"] == json::array({"x", "y"}));
  CHECK(task_in(j, "x")->at("ok") == true);
  CHECK(task_in(j, "x")->at("condition") == "inactive");
  REQUIRE(env.run({"start", "-p", "p"}).exit_code == 0);
  file = env.write("p.toml", "[project]\nname = \"p\"\n[project.tasks.x.wrapper]\ncommand = \"sleep 61\"\n"
                             "[project.tasks.y]\ncomment = \"just a comment\"\n[project.tasks.y.wrapper]\n"
                             "command = \"sleep 60\"\n");
  pid_t y = env.state("y").pid;
  r = env.run({"apply", "--json", file});
  j = parse_out(r);
  CHECK(j["ok"] == true);
  REQUIRE(j["changed"].size() == 2);
  CHECK(j["changed"][0]["restart"] == true);
  CHECK(j["changed"][1]["restart"] == false);  // a comment: no restart
  CHECK(task_in(j, "x")->at("condition") == "active");
  CHECK(env.state("y").pid == y);
  CHECK(parse_out(env.run({"apply", "--json", "--dry-run", file}))["dry_run"] == true);
  CHECK(env.run({"kill", "-p", "p"}).exit_code == 0);
}

namespace {
// Runs bash `script` in which "$0" is spmi with the test's environment,
// and returns what it prints on stdout.
std::string run_script(const SpmiEnv& env, const std::string& script) {
  std::vector<std::string> argv = {"env", "-i"};
  for (const auto& kv : env.environment()) argv.push_back(kv);
  argv.insert(argv.end(), {"bash", "-c", script, SPMI_BIN});
  return spmi::test::run_program(argv);
}
// `spmi args` with stdout sent where `redirect` says ("> /dev/full"):
// its stderr, then "rc=<exit code>".
std::string run_redirected(const SpmiEnv& env, const std::string& args, const std::string& redirect) {
  return run_script(env, "\"$0\" " + args + " 2>&1 " + redirect + "; echo \"rc=$?\"");
}
}  // namespace

TEST_CASE("output that cannot be written is an error (exit 4), a reader that went away is not", "[e2e][json]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("web", "sleep 600")}).exit_code == 0);
  REQUIRE(env.run({"start", "web"}).exit_code == 0);
  // A full disk: the document a script reads is lost, and it must know.
  for (const std::string cmd : {"list", "list --json", "status web", "status --json web", "--version"}) {
    INFO(cmd);
    std::string r = run_redirected(env, cmd, ">/dev/full");
    CHECK(spmi::test::has(r, "spmi: cannot write the output"));
    CHECK(spmi::test::has(r, "rc=4"));
  }
  std::string r = run_redirected(env, "list --json", ">/dev/full");
  CHECK(spmi::test::has(r, "No space left on device"));
  // A closed stdout.
  r = run_redirected(env, "list", ">&-");
  CHECK(spmi::test::has(r, "cannot write the output: Bad file descriptor"));
  CHECK(spmi::test::has(r, "rc=4"));
  // A failure outranks an unmatched pattern here too; usage errors stay 2.
  r = run_redirected(env, "status web nosuch", ">/dev/full");
  CHECK(spmi::test::has(r, "rc=4"));
  r = run_redirected(env, "list --bogus", ">/dev/full");
  CHECK(spmi::test::has(r, "rc=2"));
  // Nothing to print and nothing lost: the exit code stays.
  r = run_redirected(env, "status nosuch", ">/dev/full");
  CHECK(spmi::test::has(r, "rc=3"));
  CHECK(!spmi::test::has(r, "cannot write"));
  // Written whole: 0, no message.
  r = run_redirected(env, "list --json", ">/dev/null");
  CHECK(r == "rc=0\n");
  // A reader that closed its end first, with SIGPIPE ignored (else the
  // signal ends spmi, as it ends cat): EPIPE is the reader's choice.
  r = run_script(env, "trap '' PIPE; \"$0\" list --json 2>&1 | (exec 0<&-; sleep 0.5); echo \"rc=${PIPESTATUS[0]}\"");
  CHECK(r == "rc=0\n");
}
