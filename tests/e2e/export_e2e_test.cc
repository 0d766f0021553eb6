// End to end: `spmi export` writes what runs `spmi resurrect` at boot. The
// systemd units pass `systemd-analyze verify` (the checker systemd itself
// runs at load; it fails a unit whose ExecStart is missing, proven here
// too), and the crontab line, run by /bin/sh as cron runs it, brings the
// tasks back.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "e2e/harness.h"
#include "e2e/watchdog_helpers.h"

using spmi::test::eventually;
using spmi::test::run_program;
using spmi::test::slurp;
using spmi::test::SpmiEnv;
namespace fs = std::filesystem;

namespace {

// systemd-analyze verify of `unit` (a user unit with `user`); its output.
// --man=no: the unit's man:spmi(1) is checked where the page is installed
// (tests/package/package_test.sh).
std::string verify(const SpmiEnv& env, const std::string& unit, bool user, int* code) {
  std::string runtime = env.dir() + "/xdg-runtime";
  fs::create_directories(runtime);
  ::chmod(runtime.c_str(), 0700);
  // Through sh for its stderr, where systemd-analyze says what is wrong.
  std::vector<std::string> argv = {"sh", "-c", "exec \"$@\" 2>&1", "sh", "env", "XDG_RUNTIME_DIR=" + runtime,
                                   "systemd-analyze"};
  if (user) argv.push_back("--user");
  for (const char* a : {"verify", "--man=no"}) argv.push_back(a);
  argv.push_back(unit);
  return run_program(argv, code);
}

}  // namespace

TEST_CASE("export systemd: the user and the system unit pass systemd-analyze verify", "[e2e][export]") {
  SpmiEnv env;
  REQUIRE(fs::exists("/usr/bin/systemd-analyze"));  // scripts/setup.sh test installs systemd
  std::string spmi = fs::canonical(SPMI_BIN).string();
  for (bool user : {true, false}) {
    INFO((user ? "user unit" : "system unit"));
    auto r = env.run({"export", "systemd", user ? "--user" : "--system"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\nExecStart=" + spmi + " resurrect\n") != std::string::npos);
    CHECK(r.out.find("\nEnvironment=SPMI_PATH=" + env.spmi_path() + "\n") != std::string::npos);
    CHECK(r.out.find(user ? "WantedBy=default.target" : "WantedBy=multi-user.target") != std::string::npos);
    CHECK((r.out.find("loginctl enable-linger") != std::string::npos) == user);
    std::string unit = env.write("spmi.service", r.out);
    int code = -1;
    std::string said = verify(env, unit, user, &code);
    INFO(said);
    CHECK(code == 0);
    // The check can fail: a unit whose program is missing does not pass.
    std::string broken = r.out;
    broken.replace(broken.find("ExecStart=" + spmi), 10 + spmi.size(), "ExecStart=/nonexistent/spmi");
    said = verify(env, env.write("spmi.service", broken), user, &code);
    CHECK(code != 0);
    CHECK(said.find("/nonexistent/spmi") != std::string::npos);
  }
  auto bad = env.run({"export", "upstart"});
  CHECK(bad.exit_code == 2);
  CHECK(env.run({"export", "cron", "--user", "--system"}).exit_code == 2);
}

TEST_CASE("export cron: the @reboot line, run as cron runs it, brings the tasks back", "[e2e][export][reboot]") {
  SpmiEnv env;
  std::string d = env.write("a.toml", "[task]\nid = \"atboot\"\nautostart = true\n[task.wrapper]\ncommand = \"exec sleep 300\"\n");
  REQUIRE(env.run({"load", d}).exit_code == 0);
  auto r = env.run({"export", "cron"});
  REQUIRE(r.exit_code == 0);
  std::string line = r.out;
  REQUIRE(line.rfind("@reboot ", 0) == 0);
  REQUIRE(line.back() == '\n');
  // cron hands what follows the time field to /bin/sh, with "\%" made "%"
  // and without spmi's environment (but for the test's own cgroup parent).
  std::string command = line.substr(8, line.size() - 9);
  for (size_t at; (at = command.find("\\%")) != std::string::npos;) command.erase(at, 1);
  int code = -1;
  run_program({"env", "-i", "PATH=/usr/bin:/bin", "HOME=" + env.dir(), "SPMI_CGROUP_PARENT=" + env.cgroup_parent(),
               "/bin/sh", "-c", command},
              &code);
  CHECK(code == 0);
  CHECK(spmi::test::listed(env, "atboot")["state"] == "active");
  CHECK(slurp(env.spmi_path() + "/.resurrect.log").find("bringing back atboot (autostart)") != std::string::npos);
  CHECK(env.run({"stop", "atboot"}).exit_code == 0);
}
