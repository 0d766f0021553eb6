// Carrying out an apply plan (lifecycle/apply.h) through a fake backend.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "lifecycle/fake_backend.h"
#include "lifecycle/apply.h"
#include "lifecycle/start.h"
#include "store/task_view.h"

using namespace spmi;
using spmi::test::Fixture;

TEST_CASE("lifecycle: apply restarts a changed running task with its new definition and leaves the rest alone",
          "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"});
  f.add("idle", {});
  std::vector<std::string> started;
  REQUIRE(start_with_dependencies(f.session, {"api"}, &started));
  // db gets a new command: it is stopped, rewritten and started again;
  // api (unchanged, running) and idle (unchanged, inactive) are left alone.
  TaskSpecs stored = stored_specs(f.store);
  auto text = std::make_shared<const std::string>("");
  std::vector<LoadedTask> loaded = {{Fixture::spec("db", {}), "/x.toml", text, "toml"},
                                    {Fixture::spec("api", {"db"}), "/x.toml", text, "toml"},
                                    {Fixture::spec("idle", {}), "/x.toml", text, "toml"}};
  loaded[0].spec.shell_command = "serve --new";
  std::vector<TaskSpec> incoming;
  for (const auto& l : loaded) incoming.push_back(l.spec);
  ApplyPlan plan = plan_apply(stored, incoming, {"/x.toml"}, {}, false, [&](const std::string& id) {
    return inspect_task(f.store, id, false).condition == TaskCondition::Active;
  });
  REQUIRE(plan.changed.size() == 1);
  StoreWrite worst = StoreWrite::Failed;
  REQUIRE(carry_out_apply(f.session, plan, loaded, stored, &worst));
  CHECK(worst == StoreWrite::Done);
  auto ends = f.fake.ends();
  REQUIRE(ends.size() == 1);
  CHECK(ends[0].id == "db");
  TaskSpec now;
  std::string err;
  REQUIRE(f.store.read_spec("db", &now, &err));
  CHECK(now.shell_command == "serve --new");
  auto starts = f.fake.starts();
  REQUIRE(starts.size() == 3);  // db, api, then db again
  CHECK(starts[2].id == "db");
  CHECK(f.fake.start_of("idle") == nullptr);
  CHECK(std::find(f.report.lines.begin(), f.report.lines.end(), "updated db") != f.report.lines.end());
}
