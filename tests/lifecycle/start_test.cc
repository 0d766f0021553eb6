// The lifecycle's orchestration driven through a fake backend: start order
// with dependencies (waves, start_when, failures), and stop order. No
// process is started: the fake "runs" a task by taking its wrapper lock in
// this process and writing the state a wrapper would write.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/lock_file.h"
#include "lifecycle/apply.h"
#include "lifecycle/end.h"
#include "lifecycle/start.h"
#include "scratch_dir.h"

using namespace spmi;

namespace {

class FakeBackend : public Backend {
 public:
  explicit FakeBackend(const Store& store) : store_(store) {}

  // Tasks whose start fails, and tasks that run but never become ready.
  std::set<std::string> failing, never_ready;

  StartResult start(const TaskSpec& spec, const std::string& task_dir) const override {
    (void)task_dir;
    std::lock_guard<std::mutex> hold(mu_);
    StartResult r;
    // What was already running when this one started.
    starts_.push_back({spec.id, running_});
    if (failing.count(spec.id)) {
      r.error = "the fake refuses " + spec.id;
      return r;
    }
    bool busy = false;
    std::string err;
    Fd lock = try_lock_file(store_.task_file(spec.id, task_files::kLock), true, &busy, &err);
    REQUIRE(lock.valid());
    TaskState st;
    st.phase = Phase::Running;
    st.backend = "fake";
    st.pid = ::getpid();
    st.ready = !never_ready.count(spec.id);
    st.started_at_ms = now_ms();
    REQUIRE(write_file_atomic(store_.task_file(spec.id, task_files::kState), serialize_state(st), &err));
    locks_[spec.id] = std::move(lock);
    running_.insert(spec.id);
    r.ok = true;
    r.pid = ::getpid();
    return r;
  }

  bool request_end(const TaskView& v, EndRequest* req, const DebugSink&, std::string*) const override {
    std::lock_guard<std::mutex> hold(mu_);
    ends_.push_back({v.id, running_});
    req->requested_ms = monotonic_ms();
    return true;
  }

  EndOutcome await_end(const Store&, const TaskView& v, EndRequest&, const DebugSink&) const override {
    std::lock_guard<std::mutex> hold(mu_);
    TaskState st = v.state;
    st.phase = Phase::Exited;
    std::string err;
    REQUIRE(write_file_atomic(store_.task_file(v.id, task_files::kState), serialize_state(st), &err));
    locks_.erase(v.id);
    running_.erase(v.id);
    EndOutcome o;
    o.ok = true;
    o.signal = 15;
    return o;
  }

  struct Call {
    std::string id;
    std::set<std::string> running_before;
  };
  std::vector<Call> starts() const { return starts_; }
  std::vector<Call> ends() const { return ends_; }
  const Call* start_of(const std::string& id) const {
    for (const auto& c : starts_)
      if (c.id == id) return &c;
    return nullptr;
  }

 private:
  const Store& store_;
  mutable std::mutex mu_;
  mutable std::vector<Call> starts_, ends_;
  mutable std::set<std::string> running_;
  mutable std::map<std::string, Fd> locks_;
};

class RecordingReporter : public Reporter {
 public:
  void done(const std::string& line) override { lines.push_back(line); }
  void problem(const std::string& message) override { problems.push_back(message); }
  void debug(const std::string&) override {}
  std::vector<std::string> lines, problems;
  bool said(const std::string& part) const {
    for (const auto& p : problems)
      if (p.find(part) != std::string::npos) return true;
    return false;
  }
};

// A store in a scratch directory with tasks on the fake backend.
struct Fixture {
  test::ScratchDir dir{"lifecycle"};
  Store store{dir.path() + "/state"};
  FakeBackend fake{store};
  RecordingReporter report;
  Session session{store, [this](std::string_view name) -> const Backend* { return name == "fake" ? &fake : nullptr; },
                  report};

  Fixture() {
    std::string err;
    REQUIRE(store.ensure_root(&err));
  }
  static TaskSpec spec(const std::string& id, std::vector<std::string> deps, const std::string& start_when = "started",
                       int64_t start_timeout_ms = 60000) {
    TaskSpec s;
    s.id = id;
    s.backend = "fake";
    s.shell_command = "true";
    s.depends_on = std::move(deps);
    s.start_when = start_when;
    s.start_timeout_ms = start_timeout_ms;
    return s;
  }
  void add(const std::string& id, std::vector<std::string> deps, const std::string& start_when = "started",
           int64_t start_timeout_ms = 60000) {
    std::string err;
    REQUIRE(store.create_task(spec(id, std::move(deps), start_when, start_timeout_ms), "", "toml", &err) ==
            StoreWrite::Done);
  }
};

}  // namespace

TEST_CASE("lifecycle: a start brings dependencies up first, each task once, independent ones together",
          "[lifecycle]") {
  Fixture f;
  // web -> api -> {db, cache}; lone is not asked for.
  f.add("db", {});
  f.add("cache", {});
  f.add("api", {"db", "cache"});
  f.add("web", {"api"});
  f.add("lone", {});
  std::vector<std::string> started;
  REQUIRE(start_with_dependencies(f.session, {"web"}, &started));
  CHECK(f.report.problems.empty());
  REQUIRE(f.fake.starts().size() == 4);
  std::set<std::string> all(started.begin(), started.end());
  CHECK(all == std::set<std::string>{"db", "cache", "api", "web"});
  CHECK(f.fake.start_of("lone") == nullptr);
  // Each task started once all its dependencies ran.
  CHECK(f.fake.start_of("api")->running_before == std::set<std::string>{"db", "cache"});
  CHECK(f.fake.start_of("web")->running_before == std::set<std::string>{"db", "cache", "api"});
  // db and cache are one wave: neither waited for the other.
  CHECK(f.fake.start_of("db")->running_before.count("api") == 0);
  CHECK(f.fake.start_of("cache")->running_before.count("api") == 0);
  // Reported in the CLI's words, one line per task.
  CHECK(std::count_if(f.report.lines.begin(), f.report.lines.end(),
                      [](const std::string& l) { return l.rfind("started ", 0) == 0; }) == 4);
}

TEST_CASE("lifecycle: a dependency that fails to start fails its dependents, which are never started",
          "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"});
  f.add("web", {"api"});
  f.fake.failing.insert("db");
  std::vector<std::string> started;
  CHECK_FALSE(start_with_dependencies(f.session, {"web"}, &started));
  CHECK(started.empty());
  REQUIRE(f.fake.starts().size() == 1);
  CHECK(f.fake.starts()[0].id == "db");
  CHECK(f.report.said("db: failed to start: the fake refuses db"));
  CHECK(f.report.said("api: not started: its dependency 'db' failed"));
  CHECK(f.report.said("web: not started: its dependency 'api' failed"));
}

TEST_CASE("lifecycle: an active dependency is not started again, and a selected active task is reported as such",
          "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"});
  REQUIRE(start_task(f.session, "db"));
  std::vector<std::string> started;
  REQUIRE(start_with_dependencies(f.session, {"api", "db"}, &started));
  CHECK(f.fake.starts().size() == 2);  // db once (above), api once
  CHECK(started == std::vector<std::string>{"db", "api"});  // db: "already active" counts as done
  CHECK(f.report.said("db: already active"));
}

TEST_CASE("lifecycle: start_when ready waits for readiness and fails the dependent at its start_timeout",
          "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"}, "ready", 300);
  f.fake.never_ready.insert("db");
  std::vector<std::string> started;
  int64_t t0 = monotonic_ms();
  CHECK_FALSE(start_with_dependencies(f.session, {"api"}, &started));
  CHECK(monotonic_ms() - t0 >= 300);
  CHECK(started == std::vector<std::string>{"db"});
  CHECK(f.fake.start_of("api") == nullptr);
  CHECK(f.report.said("api: not started: its dependency 'db' did not become ready within"));
}

TEST_CASE("lifecycle: stopping a task ends the active tasks that depend on it first", "[lifecycle]") {
  Fixture f;
  f.add("db", {});
  f.add("api", {"db"});
  f.add("web", {"api"});
  f.add("other", {});
  std::vector<std::string> started;
  REQUIRE(start_with_dependencies(f.session, {"web", "other"}, &started));
  REQUIRE(end_in_dependency_order(f.session, {"db"}, true, false));
  auto ends = f.fake.ends();
  REQUIRE(ends.size() == 3);
  CHECK(ends[0].id == "web");
  CHECK(ends[1].id == "api");
  CHECK(ends[2].id == "db");
  CHECK(ends[2].running_before == std::set<std::string>{"db", "other"});
  CHECK(std::count_if(f.report.lines.begin(), f.report.lines.end(), [](const std::string& l) {
          return l.rfind("stopped db (SIGTERM, ", 0) == 0;
        }) == 1);
}

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
  std::vector<LoadedTask> loaded = {{Fixture::spec("db", {}), "/x.toml", "", "toml"},
                                    {Fixture::spec("api", {"db"}), "/x.toml", "", "toml"},
                                    {Fixture::spec("idle", {}), "/x.toml", "", "toml"}};
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
