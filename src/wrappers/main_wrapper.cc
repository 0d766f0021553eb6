// spmi-wrapper: the wrapper of wrapper type "default", with no feature
// beyond the core loop (features.h), so it never pays for health checks,
// the scheduler or limits.
#include "wrappers/features.h"
#include "wrappers/wrapper_options.h"

int main(int argc, char** argv) {
  spmi::DefaultFeatures features;
  return spmi::wrapper_main(argc, argv, features);
}
