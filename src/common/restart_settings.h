// A watchdog's restart settings: part of the task spec (written by `spmi
// load`, read by the wrapper) and the input of RestartPolicy
// (src/wrappers/restart_policy.h), which explains what each field does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spmi {

enum class RestartMode { Never, OnFailure, Always };

// "never", "on-failure", "always".
const char* restart_mode_name(RestartMode m);
bool restart_mode_from_name(const std::string& name, RestartMode* out);

// max_restarts = "unlimited": never give up.
inline constexpr int kUnlimitedRestarts = -1;

struct RestartSettings {
  RestartMode mode = RestartMode::Never;
  std::vector<int> success_exit_codes{0};
  int64_t delay_ms = 1000;
  int64_t max_delay_ms = 60000;
  int64_t reset_after_ms = 60000;
  int max_restarts = 5;
  int64_t window_ms = 60000;
  // min_uptime (both wrapper types): a run counts as started only once it
  // stayed up this long; one that ends sooner is a failed start, whatever
  // its exit code (supervisord's startsecs, PM2's min_uptime). 0: off.
  int64_t min_uptime_ms = 0;
};

}  // namespace spmi
