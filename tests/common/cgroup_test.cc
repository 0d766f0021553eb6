// Unit: the cgroup limit values a descriptor can give (common/cgroup.h) and
// how the loader takes them (the hierarchies themselves are e2e-tested in
// tests/e2e/cgroup_e2e_test.cc).
#include <catch2/catch.hpp>

#include "common/cgroup.h"
#include "common/task_spec.h"
#include "manageables/load_helpers.h"

using spmi::parse_cpu_max;

TEST_CASE("cpu_max is a share of one core or a number of cores", "[cgroup]") {
  int64_t m = 0;
  std::string err;
  CHECK(parse_cpu_max("50%", &m, &err));
  CHECK(m == 500);
  CHECK(parse_cpu_max("1.5", &m, &err));
  CHECK(m == 1500);
  CHECK(parse_cpu_max("250%", &m, &err));
  CHECK(m == 2500);
  CHECK(parse_cpu_max("1%", &m, &err));
  CHECK(m == 10);
  for (const char* bad : {"", "%", "abc", "0", "-1", "0.5%", "50 %", "2000", "1.5cores"}) {
    INFO(bad);
    CHECK_FALSE(parse_cpu_max(bad, &m, &err));
    CHECK_FALSE(err.empty());
  }
}

using spmi::test::load_in_scratch;

TEST_CASE("the cgroup keys load into the spec, for every wrapper type", "[cgroup][task]") {
  auto l = load_in_scratch("limits.toml", R"([task]
id = "capped"
[task.wrapper]
command = "serve"
cpu_max = "50%"
memory_max = "512MiB"
memory_swap_max = 0
pids_max = 64
)");
  INFO(l.all());
  REQUIRE(l.ok);
  const auto& c = l.spec("capped").cgroup;
  CHECK(c.enabled);
  CHECK(c.cpu_max_millicores == 500);
  CHECK(c.memory_max == 512LL << 20);
  CHECK(c.memory_swap_max == 0);
  CHECK(c.pids_max == 64);
  // And survive the spec file.
  spmi::TaskSpec back;
  std::string err;
  REQUIRE(spmi::parse_spec(spmi::serialize_spec(l.spec("capped")), &back, &err));
  CHECK(back.cgroup.cpu_max_millicores == 500);
  CHECK(back.cgroup.memory_swap_max == 0);
  CHECK(back.cgroup.pids_max == 64);

  auto cores = load_in_scratch("cores.yaml", "task:\n  id: c\n  wrapper:\n    type: watchdog\n    command: serve\n    cpu_max: 1.5\n");
  INFO(cores.all());
  REQUIRE(cores.ok);
  CHECK(cores.spec("c").cgroup.cpu_max_millicores == 1500);
}

TEST_CASE("bad cgroup keys are reported with their position", "[cgroup][task]") {
  auto l = load_in_scratch("bad.toml", R"([task]
id = "bad"
[task.wrapper]
command = "serve"
cgroup = false
cpu_max = "lots"
memory_max = "-1"
pids_max = 0
)");
  CHECK_FALSE(l.ok);
  std::string all = l.all();
  INFO(all);
  CHECK(all.find("bad.toml:6:11: task.wrapper.cpu_max: expected a share of one core like \"50%\"") != std::string::npos);
  CHECK(all.find("task.wrapper.memory_max: ") != std::string::npos);
  CHECK(all.find("task.wrapper.pids_max: expected a whole number from 1 to 4194304, got 0") != std::string::npos);

  auto off = load_in_scratch("off.toml", "[task]\nid = \"off\"\n[task.wrapper]\ncommand = \"serve\"\ncgroup = false\npids_max = 5\n");
  CHECK_FALSE(off.ok);
  CHECK(off.all().find("off.toml:5:10: task.wrapper.cgroup: is false, but cpu_max, memory_max, memory_swap_max and pids_max need the task's cgroup") != std::string::npos);
}
