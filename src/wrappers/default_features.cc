// The default wrapper's (spmi-wrapper's) feature hooks: none. Readiness is
// "running"; there are no health checks, schedule or limits. The watchdog
// executable links watchdog_features.cc instead.
#include "wrappers/wrapper.h"

namespace spmi {

bool wrapper_runs_type(const std::string& type) { return type == "default"; }

bool Wrapper::prepare_features(std::string*) { return true; }
bool Wrapper::open_ready_pipe(std::string*) { return true; }
void Wrapper::child_ready_fd(int*) {}
void Wrapper::task_env_fixups(std::vector<std::pair<std::string, std::string>>*, std::vector<std::string>*) {}
void Wrapper::read_ready() {}
void Wrapper::after_transition(Phase from) {
  // With min_uptime, ready comes when the run stayed up that long.
  if (from == Phase::Starting && machine_.phase() == Phase::Running && spec_.restart.min_uptime_ms <= 0) {
    state_.ready = true;
    state_.ready_at_ms = state_.started_at_ms;
  }
}
void Wrapper::arm_next_fire(int64_t) {}
int64_t Wrapper::feature_deadline() const { return -1; }
void Wrapper::add_feature_pollfds(std::vector<struct pollfd>*, size_t* first) { *first = 0; }
void Wrapper::handle_features(const std::vector<struct pollfd>&, size_t) {}
void Wrapper::run_health_check() {}
void Wrapper::finish_health_check(bool) {}
void Wrapper::apply_health_result(bool, const std::string&) {}
void Wrapper::check_memory() {}

}  // namespace spmi
