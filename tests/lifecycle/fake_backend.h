// A fake backend and a recording reporter for the lifecycle's unit tests:
// the fake "runs" a task by taking its wrapper lock in this process and
// writing the state a wrapper would write, and records what was started
// and ended, in order, with what was running at the time. No process is
// started.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/lock_file.h"
#include "lifecycle/session.h"
#include "scratch_dir.h"

namespace spmi::test {

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
    REQUIRE(store.create_task(spec(id, std::move(deps), start_when, start_timeout_ms), DescriptorCopy{"", "toml", ""}, &err) ==
            StoreWrite::Done);
  }
};

}  // namespace spmi::test
