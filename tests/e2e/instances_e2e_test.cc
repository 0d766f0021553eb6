// End to end: `instances = N` (task_manageable.cc): N tasks `<id>.0` ..
// `<id>.N-1` with {instance} substituted, selected together by the base id,
// and scaled by apply, which starts or stops only the difference.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <map>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::free_port;
using spmi::test::has;
using spmi::test::SpmiEnv;
using spmi::test::slurp;

namespace {

std::string web(const SpmiEnv& env, int n, int base_port) {
  return env.write("web.toml", "[task]\nid = \"web\"\ninstances = " + std::to_string(n) +
                                   "\n[task.wrapper]\ncommand = \"exec python3 -u -m http.server {instance+" +
                                   std::to_string(base_port) + "} --bind 127.0.0.1\"\n"
                                   "env = { SLOT = \"{instance}\" }\n"
                                   "[task.logs]\nstdout = \"logs/web-{instance}.log\"\n");
}

bool listening(int port) {
  int code = 0;
  std::string out = spmi::test::run_program({"python3", "-c",
                                             "import socket,sys; s=socket.socket(); s.settimeout(1); "
                                             "sys.exit(s.connect_ex(('127.0.0.1'," + std::to_string(port) + ")))"},
                                            &code);
  return code == 0;
}
}  // namespace

TEST_CASE("instances: N tasks with their own {instance} ports, scaled by apply touching no other task", "[e2e][instances]") {
  SpmiEnv env;
  // Ten free ports in a row are unlikely to be taken: start at a free one.
  int base = free_port();
  if (base > 65000) base = 40000 + base % 20000;
  auto file = web(env, 3, base);
  REQUIRE(::mkdir((env.dir() + "/logs").c_str(), 0755) == 0);  // log directories are not made by spmi
  auto other = env.task("other", "sleep 300");
  REQUIRE(env.run({"apply", file, other}).exit_code == 0);
  auto r = env.run({"start", "web", "other"});  // the base id selects every instance
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, pid_t> pids;
  for (int i = 0; i < 3; ++i) {
    std::string id = "web." + std::to_string(i);
    auto st = env.state(id);
    CHECK(st.phase == spmi::Phase::Running);
    pids[id] = st.pid;
    CHECK(eventually(5000, [&] { return listening(base + i); }));
    CHECK(slurp("/proc/" + std::to_string(st.pid) + "/environ").find("SLOT=" + std::to_string(i)) != std::string::npos);
  }
  CHECK(eventually(3000, [&] { return has(slurp(env.dir() + "/logs/web-1.log"), "Serving HTTP"); }) );
  pid_t other_pid = env.state("other").pid;

  // To 5: two more start, the three keep their pids.
  web(env, 5, base);
  r = env.run({"apply", file});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "+ web.3 (new instance; started with its group)"));
  for (int i = 0; i < 3; ++i) CHECK(env.state("web." + std::to_string(i)).pid == pids["web." + std::to_string(i)]);
  for (int i = 3; i < 5; ++i) {
    CHECK(env.state("web." + std::to_string(i)).phase == spmi::Phase::Running);
    CHECK(eventually(5000, [&] { return listening(base + i); }));
  }
  // To 2: three stop and go, the two first keep running.
  pid_t p2 = env.state("web.2").pid;
  web(env, 2, base);
  r = env.run({"apply", file});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "- web.4 (running: stop, then remove)"));
  CHECK_FALSE(alive(p2));
  auto list = env.run({"list"}).out;
  CHECK_FALSE(has(list, "web.2"));
  CHECK_FALSE(has(list, "web.4"));
  CHECK(env.state("web.0").pid == pids["web.0"]);
  CHECK(env.state("web.1").pid == pids["web.1"]);
  CHECK(env.state("other").pid == other_pid);
  CHECK(alive(other_pid));
  // status by base id; a pattern that is neither an id nor a base still fails.
  CHECK(env.run({"status", "web"}).exit_code == 0);
  CHECK(env.run({"stop", "wb"}).exit_code == 3);
  CHECK(env.run({"stop", "web", "other"}).exit_code == 0);
}

TEST_CASE("instances: bad counts and ids are refused at load", "[e2e][instances]") {
  SpmiEnv env;
  auto zero = env.write("z.toml", "[task]\nid = \"z\"\ninstances = 0\n[task.wrapper]\ncommand = \"true\"\n");
  auto r = env.run({"validate", zero});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task.instances"));
  auto named = env.write("n.toml", "[task]\nid = \"n{instance}\"\ninstances = 2\n[task.wrapper]\ncommand = \"true\"\n");
  r = env.run({"validate", named});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task.id: must not contain {instance}"));
  // A problem is reported once, not once per instance.
  auto bad = env.write("b.toml", "[task]\nid = \"b\"\ninstances = 3\n[task.wrapper]\ncommand = \"true\"\nstop_timeout = \"5 seconds\"\n");
  r = env.run({"validate", bad});
  CHECK(r.exit_code == 1);
  size_t n = 0;
  for (size_t at = r.err.find("stop_timeout"); at != std::string::npos; at = r.err.find("stop_timeout", at + 1)) ++n;
  CHECK(n == 1);
}
