// End to end: Procfiles (reader_procfile.cc) load, start and stop as a
// project named after their directory, with .env beside them as env_file
// and foreman's PORT; bad lines are reported with their line numbers.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::eventually;
using spmi::test::has;
using spmi::test::SpmiEnv;
using spmi::test::slurp;

TEST_CASE("a foreman Procfile with a .env loads, starts and stops as a project", "[e2e][procfile]") {
  SpmiEnv env;
  REQUIRE(::mkdir((env.dir() + "/shop").c_str(), 0755) == 0);
  auto procfile = env.write("shop/Procfile",
                            "# the shop\n"
                            "web: echo \"web $GREETING $PORT\" > web.out; exec sleep 300\n"
                            "\n"
                            "worker:   echo \"worker $GREETING $PORT\" > worker.out; exec sleep 300\n"
                            "  # indented comment\n"
                            "clock: exec sleep 300\r\n");
  env.write("shop/.env", "# settings\nGREETING=hello\nexport PORT=7000\n");
  auto r = env.run({"apply", procfile});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.out, "+ web (new; load only)"));
  CHECK(has(r.out, "+ clock (new; load only)"));
  r = env.run({"start", "-p", "shop"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(eventually(3000, [&] { return slurp(env.dir() + "/shop/web.out") == "web hello 7000\n"; }));
  CHECK(eventually(3000, [&] { return slurp(env.dir() + "/shop/worker.out") == "worker hello 7100\n"; }));
  pid_t clock = env.state("clock").pid;
  CHECK(alive(clock));
  auto status = env.run({"status", "web"}).out;
  CHECK(has(status, "Project: shop"));
  CHECK(has(status, "Loaded from: " + env.dir() + "/shop/Procfile"));
  // An unchanged Procfile applies as unchanged.
  r = env.run({"apply", procfile});
  CHECK(has(r.out, "= web (unchanged)"));
  CHECK(env.state("clock").pid == clock);
  r = env.run({"stop", "-p", "shop"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(alive(clock));
}

TEST_CASE("a bad Procfile line is reported with its line number and nothing is loaded", "[e2e][procfile]") {
  SpmiEnv env;
  auto procfile = env.write("Procfile.dev", "web: sleep 1\n\nthis is not an entry\nweb: sleep 2\nw@b: sleep 3\nempty:\n");
  auto before = env.snapshot();
  auto r = env.run({"load", procfile});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "Procfile.dev:3:1: not a Procfile entry: expected 'name: command'"));
  CHECK(has(r.err, "Procfile.dev:4:1: process 'web' is defined twice in this Procfile"));
  CHECK(has(r.err, "Procfile.dev:5:1: not a Procfile entry"));
  CHECK(has(r.err, "Procfile.dev:6:1: not a Procfile entry"));
  CHECK(env.snapshot() == before);
  auto empty = env.write("Procfile", "# nothing\n");
  r = env.run({"validate", empty});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "the Procfile has no 'name: command' entry"));
}
