// spmi-wrapper's feature set (features.h): nothing beyond the core loop.
// Readiness is "running", or min_uptime once the run stayed up that long.
#include "wrappers/features.h"
#include "wrappers/wrapper.h"

namespace spmi {

void DefaultFeatures::after_transition(Phase from) {
  // With min_uptime, ready comes when the run stayed up that long.
  if (from == Phase::Starting && w_->machine().phase() == Phase::Running && w_->spec().restart.min_uptime_ms <= 0) {
    TaskState& st = w_->state();
    st.ready = true;
    st.ready_at_ms = st.started_at_ms;
  }
}

}  // namespace spmi
