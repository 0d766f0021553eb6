// spmi-watchdog: the wrapper of wrapper type "watchdog" (and "default"),
// with readiness, health checks, the schedule and limits
// (watchdog_features.h).
#include "wrappers/watchdog_features.h"
#include "wrappers/wrapper_options.h"

int main(int argc, char** argv) {
  spmi::WatchdogFeatures features;
  return spmi::wrapper_main(argc, argv, features);
}
