// End to end: the task's process settings observed from inside the task:
// inherited or minimal environment, env_file, the @file/@base64/@hex
// indirections (and that a secret never shows in any spmi output), umask,
// nice, rlimits, and running as another user.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/harness.h"

using spmi::test::eventually;
using spmi::test::slurp;
using spmi::test::SpmiEnv;

namespace {

// Runs `command` as task `id` with extra [task.wrapper] keys; returns its stdout.
std::string output_of(const SpmiEnv& env, const std::string& id, const std::string& command, const std::string& keys,
                      const std::vector<std::string>& start_env = {}) {
  REQUIRE(env.run({"load", env.task(id, command, keys)}).exit_code == 0);
  auto r = env.run_raw({"start", id}, 60, start_env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(env.run({"wait", id, "--for", "exited", "--timeout", "20s"}).exit_code == 0);
  return slurp(env.spmi_path() + "/" + id + "/stdout.log");
}

}  // namespace

TEST_CASE("environment: inherited by default, minimal with inherit_env = false, env_file and env on top",
          "[e2e][process]") {
  SpmiEnv env;
  std::string envfile = env.write("app.env", "# settings\nexport FROM_FILE=one\nQUOTED=\"two words\"\n\nBOTH=file\n");
  std::string cmd = "echo \"$FROM_START|$FROM_FILE|$QUOTED|$BOTH|${PATH:+path}|$SPMI_TASK_ID\"";
  std::string keys = "env_file = \"" + envfile + "\"\nenv = { BOTH = \"env\" }\n";
  CHECK(output_of(env, "inherit", cmd, keys, {"FROM_START=yes"}) == "yes|one|two words|env|path|inherit\n");
  CHECK(output_of(env, "minimal", cmd, keys + "inherit_env = false\n", {"FROM_START=yes"}) ==
        "|one|two words|env|path|minimal\n");
  // A broken env_file fails the start with the file and line.
  std::string bad = env.write("bad.env", "OK=1\nthis is not an assignment\n");
  REQUIRE(env.run({"load", env.task("badenv", "true", "env_file = \"" + bad + "\"\n")}).exit_code == 0);
  auto r = env.run({"start", "badenv"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(bad + ":2: expected KEY=VALUE") != std::string::npos);
}

TEST_CASE("secrets: @file, @base64, @hex are resolved for the task and never shown by spmi", "[e2e][process]") {
  SpmiEnv env;
  std::string secret_file = env.write("token", "s3cr3t-from-file\n");
  std::string keys = "env = { A = \"@file:" + secret_file + "\", B = \"@base64:czNjcjN0LWI2NA==\", C = \"@hex:" +
                     "73336372337420686578\", D = \"@@literal\" }\n";
  std::string out = output_of(env, "sec", "echo \"$A|$B|$C|$D\"", "type = \"watchdog\"\n" + keys);
  CHECK(out == "s3cr3t-from-file|s3cr3t-b64|s3cr3t hex|@literal\n");
  // No spmi output carries a resolved secret (or the encoded values).
  std::string all;
  for (const auto& args : std::vector<std::vector<std::string>>{{"list"},
                                                                {"list", "--json"},
                                                                {"status", "sec", "-n", "0"},
                                                                {"status", "sec", "--json", "-n", "0"},
                                                                {"events", "sec", "--json"}}) {
    auto r = env.run(args);
    all += r.out + r.err;
  }
  for (const char* s : {"s3cr3t", "czNjcjN0", "7333637233"}) {
    INFO(s);
    CHECK(all.find(s) == std::string::npos);
  }
  // A missing secret file fails the start, naming the variable, not a value.
  REQUIRE(env.run({"load", env.task("nosecret", "true", "env = { TOKEN = \"@file:/nonexistent/x\" }\n")}).exit_code == 0);
  auto r = env.run({"start", "nosecret"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("environment variable TOKEN: @file:/nonexistent/x: No such file or directory") != std::string::npos);
  // Bad encodings are load errors.
  auto l = env.run({"load", env.task("badsecret", "true", "env = { X = \"@base64:!!\", Y = \"@what:x\" }\n")});
  CHECK(l.exit_code == 1);
  CHECK(l.err.find("task.wrapper.env.X: not valid base64") != std::string::npos);
  CHECK(l.err.find("task.wrapper.env.Y: unknown indirection") != std::string::npos);
}

TEST_CASE("umask, nice and rlimits are what the task sees", "[e2e][process]") {
  SpmiEnv env;
  std::string out = output_of(env, "lim", "umask; nice; ulimit -n; ulimit -c; ulimit -v; ulimit -t",
                              "umask = \"027\"\nnice = 7\n[task.wrapper.limits]\nnofile = 256\ncore = 0\n"
                              "memory = \"2GiB\"\ncpu = \"1h\"\n");
  CHECK(out == "0027\n7\n256\n0\n2097152\n3600\n");
  // A limit the kernel refuses fails the start and says which.
  REQUIRE(env.run({"load", env.task("toomany", "true", "[task.wrapper.limits]\nnofile = 999999999\n")}).exit_code == 0);
  auto r = env.run({"start", "toomany"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot set limits.nofile") != std::string::npos);
}

TEST_CASE("user and group: the task runs as that user (spmi runs as root here)", "[e2e][process]") {
  SpmiEnv env;
  if (::geteuid() != 0) {
    // Not root: the start must refuse clearly.
    REQUIRE(env.run({"load", env.task("asnobody", "id -u", "user = \"nobody\"\n")}).exit_code == 0);
    auto r = env.run({"start", "asnobody"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("does not run as root") != std::string::npos);
    return;
  }
  // The directory is entered as that user: the test's own (0700) would be refused.
  std::string out = output_of(env, "asnobody", "id -u; id -g; echo $USER $HOME",
                              "user = \"nobody\"\ngroup = \"nogroup\"\ncwd = \"/\"\n");
  CHECK(out == "65534\n65534\nnobody /nonexistent\n");
  REQUIRE(env.run({"load", env.task("private", "true", "user = \"nobody\"\n")}).exit_code == 0);
  auto r = env.run({"start", "private"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot change directory to '" + env.dir() + "': Permission denied") != std::string::npos);
  auto l = env.run({"load", env.task("nouser", "true", "user = \"no-such-user-xyz\"\n")});
  CHECK(l.exit_code == 1);
  CHECK(l.err.find("task.wrapper.user: no user 'no-such-user-xyz' on this system") != std::string::npos);
}

TEST_CASE("validate reports every problem of a file with positions and touches nothing", "[e2e][process]") {
  SpmiEnv env;
  auto bad = env.write("bad.toml", "[task]\nid = \"bad\"\n[task.wrapper]\ntype = \"watchdog\"\n"
                                   "command = [\"no-such-program-xyz\"]\n"
                                   "cwd = \"/nonexistent/dir\"\n"
                                   "stop_timeout = \"5 parsecs\"\n"
                                   "schedule = \"61 * * * *\"\n"
                                   "timezone = \"Mars/Olympus\"\n");
  auto good = env.task("good", "true");
  std::string before = env.snapshot();
  auto r = env.run({"validate", bad, good});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("bad.toml:7:16: task.wrapper.stop_timeout:") != std::string::npos);
  CHECK(r.err.find("bad.toml:8:12: task.wrapper.schedule: '61 * * * *': minute field") != std::string::npos);
  CHECK(r.err.find("bad.toml:9:12: task.wrapper.timezone: unknown time zone 'Mars/Olympus'") != std::string::npos);
  CHECK(r.err.find("bad.toml:5:11: task 'bad': task.wrapper.command: 'no-such-program-xyz' is not found in PATH") !=
        std::string::npos);
  CHECK(r.err.find("bad.toml:6:7: task 'bad': task.wrapper.cwd: '/nonexistent/dir' is not a directory") !=
        std::string::npos);
  CHECK(r.err.find("invalid: 5 problem(s)") != std::string::npos);
  CHECK(env.snapshot() == before);
  r = env.run({"validate", good});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "valid: 1 task(s) in 1 file(s)\n");
  CHECK(env.snapshot() == before);
}

TEST_CASE("spmi run creates, loads and starts a task from a command line", "[e2e][process]") {
  SpmiEnv env;
  auto r = env.run({"run", "--name", "adhoc", "--restart", "on-failure", "--env", "GREETING=hi there", "--cwd",
                    env.dir(), "--", "sh", "-c", "echo \"$GREETING from $(pwd)\"; exec sleep 100"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("loaded adhoc (spmi run)\nstarted adhoc (pid ") == 0);
  auto st = env.state("adhoc");
  CHECK(st.phase == spmi::Phase::Running);
  REQUIRE(eventually(3000, [&] { return env.run({"logs", "adhoc"}).out == "hi there from " + env.dir() + "\n"; }));
  auto status = nlohmann::json::parse(env.run({"status", "adhoc", "--json"}).out)["tasks"][0];
  CHECK(status["wrapper"] == "watchdog");
  CHECK(status["restart"] == "on-failure");
  CHECK(status["source"] == "spmi run");
  // A generated name, and a name that is taken.
  r = env.run({"run", "--", "sleep", "100"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("loaded run-sleep-") == 0);
  r = env.run({"run", "--name", "adhoc", "--", "true"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("a task 'adhoc' is already loaded") != std::string::npos);
  // Bad values are the descriptor errors, without a file.
  r = env.run({"run", "--restart", "sometimes", "--", "true"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("run: task.wrapper.restart: unknown restart policy 'sometimes'") != std::string::npos);
  r = env.run({"run", "--nmae", "x", "--", "true"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("'--nmae'") != std::string::npos);
  CHECK(r.err.find("the command goes after --") != std::string::npos);
  CHECK(env.run({"run"}).exit_code == 2);
}
