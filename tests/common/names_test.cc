// Enum names: every value has one name that parses back to it, and names
// that are not in a table are refused.
#include <catch2/catch.hpp>

#include "common/log_settings.h"
#include "common/restart_settings.h"
#include "common/task_state.h"
#include "common/watchdog_settings.h"

using namespace spmi;

namespace {
template <class E, class Name, class Parse>
void round_trips(std::initializer_list<E> values, Name name, Parse parse) {
  for (E v : values) {
    E back{};
    INFO(name(v));
    CHECK(std::string(name(v)) != "?");
    REQUIRE(parse(name(v), &back));
    CHECK(back == v);
  }
  E ignored{};
  CHECK_FALSE(parse("no-such-name", &ignored));
}
}  // namespace

TEST_CASE("enum names round-trip and unknown names are refused", "[names]") {
  round_trips({Phase::Starting, Phase::Running, Phase::Draining, Phase::Stopping, Phase::Killing, Phase::Exited,
               Phase::FailedToStart, Phase::Backoff, Phase::GaveUp, Phase::Scheduled, Phase::Queued},
              phase_name, phase_from_name);
  round_trips({RestartMode::Never, RestartMode::OnFailure, RestartMode::Always}, restart_mode_name,
              restart_mode_from_name);
  round_trips({HealthType::None, HealthType::Command, HealthType::Tcp, HealthType::Http}, health_type_name,
              health_type_from_name);
  round_trips({HealthStatus::None, HealthStatus::Starting, HealthStatus::Healthy, HealthStatus::Unhealthy},
              health_status_name, health_status_from_name);
  round_trips({LogRotate::Size, LogRotate::Hourly, LogRotate::Daily, LogRotate::Never}, log_rotate_name,
              log_rotate_from_name);
  // The on-disk names of the two renamed values are unchanged.
  CHECK(std::string(phase_name(Phase::FailedToStart)) == "failed-to-start");
  CHECK(std::string(phase_name(Phase::GaveUp)) == "gave-up");
}
