// Where a task stands with respect to a wait condition (store/wait_target.h),
// on made-up task views.
#include <catch2/catch.hpp>

#include <string>

#include "store/wait_target.h"

using namespace spmi;

namespace {

TaskView view(TaskCondition c, Phase p) {
  TaskView v;
  v.id = "t";
  v.condition = c;
  v.has_state = true;
  v.state.phase = p;
  return v;
}

WaitOutcome assess(const TaskView& v, WaitTarget t, std::string* why = nullptr) {
  std::string ignored;
  return assess_task(v, t, why ? why : &ignored);
}

}  // namespace

TEST_CASE("wait targets: names round-trip and unknown ones are refused", "[wait]") {
  for (WaitTarget t : {WaitTarget::Running, WaitTarget::Ready, WaitTarget::Healthy, WaitTarget::Exited}) {
    WaitTarget back = WaitTarget::Exited;
    REQUIRE(wait_target_from_name(wait_target_name(t), &back));
    CHECK(back == t);
  }
  WaitTarget out;
  CHECK_FALSE(wait_target_from_name("started", &out));
}

TEST_CASE("assess_task: running, ready and healthy are reached in that order of a run's life", "[wait]") {
  TaskView v = view(TaskCondition::Active, Phase::Starting);
  CHECK(assess(v, WaitTarget::Running) == WaitOutcome::Waiting);
  v.state.phase = Phase::Running;
  CHECK(assess(v, WaitTarget::Running) == WaitOutcome::Reached);
  std::string why;
  CHECK(assess(v, WaitTarget::Ready, &why) == WaitOutcome::Waiting);
  CHECK(why == "now running, not ready");
  v.state.ready = true;
  CHECK(assess(v, WaitTarget::Ready) == WaitOutcome::Reached);
  // Healthy needs a health check.
  CHECK(assess(v, WaitTarget::Healthy, &why) == WaitOutcome::Impossible);
  CHECK(why == "it has no health check (task.wrapper.health)");
  v.spec.health.type = HealthType::Tcp;
  v.state.health = HealthStatus::Starting;
  CHECK(assess(v, WaitTarget::Healthy) == WaitOutcome::Waiting);
  v.state.health = HealthStatus::Healthy;
  CHECK(assess(v, WaitTarget::Healthy) == WaitOutcome::Reached);
  // An armed schedule counts as running and ready.
  TaskView s = view(TaskCondition::Active, Phase::Scheduled);
  CHECK(assess(s, WaitTarget::Ready) == WaitOutcome::Reached);
}

TEST_CASE("assess_task: a task that ended cannot get there, and says how it ended", "[wait]") {
  TaskView v = view(TaskCondition::Inactive, Phase::Exited);
  v.state.main_exited = true;
  v.state.exit_code = 3;
  std::string why;
  CHECK(assess(v, WaitTarget::Running, &why) == WaitOutcome::Impossible);
  CHECK(why == "it is inactive (exited, exit code 3)");
  CHECK(assess(v, WaitTarget::Exited) == WaitOutcome::Reached);
  TaskView broken = view(TaskCondition::Broken, Phase::Exited);
  broken.error = "spec: unreadable";
  CHECK(assess(broken, WaitTarget::Exited, &why) == WaitOutcome::Impossible);
  CHECK(why == "spec: unreadable");
  // A queued Slurm job is waited for, with what Slurm says.
  TaskView q = view(TaskCondition::Active, Phase::Queued);
  q.backend_status = "Slurm job 7: PENDING (Resources)";
  CHECK(assess(q, WaitTarget::Running, &why) == WaitOutcome::Waiting);
  CHECK(why == "now queued: Slurm job 7: PENDING (Resources)");
}
