// Encoding and decoding of the task's runtime state file.
#include "common/task_state.h"

#include "common/kv_file.h"
#include "common/names.h"

namespace spmi {

namespace {
constexpr NameTable<Phase, 11> kPhases{{{
    {Phase::Starting, "starting"}, {Phase::Running, "running"}, {Phase::Draining, "draining"},
    {Phase::Stopping, "stopping"}, {Phase::Killing, "killing"}, {Phase::Exited, "exited"},
    {Phase::FailedToStart, "failed-to-start"}, {Phase::Backoff, "backoff"}, {Phase::GaveUp, "gave-up"},
    {Phase::Scheduled, "scheduled"}, {Phase::Queued, "queued"},
}}};
}  // namespace

const char* phase_name(Phase p) { return kPhases.name(p); }
bool phase_from_name(const std::string& name, Phase* out) { return kPhases.parse(name, out); }

bool phase_is_live(Phase p) {
  return p != Phase::Exited && p != Phase::FailedToStart && p != Phase::GaveUp && p != Phase::Queued;
}

std::string serialize_state(const TaskState& s) {
  KvFile kv("spmi-state", kStateVersion);
  kv.add("run_id", s.run_id);
  kv.add("phase", phase_name(s.phase));
  kv.add("backend", s.backend);
  kv.add("backend_id", s.backend_id);
  if (!s.host.empty()) kv.add("host", s.host);
  if (!s.boot_id.empty()) kv.add("boot", s.boot_id);
  kv.add_int("wrapper_pid", s.wrapper_pid);
  kv.add_int("wrapper_start_ticks", static_cast<long long>(s.wrapper_start_ticks));
  kv.add_int("pid", s.pid);
  kv.add_int("pid_start_ticks", static_cast<long long>(s.pid_start_ticks));
  kv.add_int("pgid", s.pgid);
  kv.add_int("sid", s.sid);
  kv.add_int("started_at_ms", s.started_at_ms);
  kv.add_int("finished_at_ms", s.finished_at_ms);
  kv.add("main_exited", s.main_exited ? "1" : "0");
  kv.add_int("exit_code", s.exit_code);
  kv.add_int("exit_signal", s.exit_signal);
  kv.add("stop_request", s.stop_request);
  kv.add_int("ended_by", s.ended_by);
  kv.add("error", s.error);
  kv.add("note", s.note);
  kv.add_int("restarts", s.restarts);
  kv.add_int("next_start_at_ms", s.next_start_at_ms);
  kv.add("health", health_status_name(s.health));
  kv.add_int("health_failures", s.health_failures);
  kv.add("health_detail", s.health_detail);
  kv.add("ready", s.ready ? "1" : "0");
  kv.add_int("ready_at_ms", s.ready_at_ms);
  kv.add_int("next_fire_at_ms", s.next_fire_at_ms);
  kv.add_int("last_fire_at_ms", s.last_fire_at_ms);
  kv.add_int("runs", s.runs);
  kv.add_int("skipped", s.skipped);
  kv.add("log_error", s.log_error);
  kv.add_int("log_dropped_bytes", s.log_dropped_bytes);
  return kv.serialize();
}

bool parse_state(const std::string& text, TaskState* s, std::string* err) {
  KvFile kv;
  if (!kv.parse(text, "spmi-state", kStateVersion, err)) return false;
  bool ok = true;
  auto str = [&](const char* key, std::string* out) {
    auto v = kv.get(key);
    if (!v) {
      if (ok) *err = std::string("missing '") + key + "'";
      ok = false;
      return;
    }
    *out = *v;
  };
  auto num = [&](const char* key) -> long long {
    std::string v;
    str(key, &v);
    long long n = 0;
    if (ok && !parse_ll(v, &n)) {
      *err = std::string("'") + key + "' is not a number";
      ok = false;
    }
    return n;
  };
  // A pid outside what the kernel can give (PID_MAX_LIMIT, 2^22) is a
  // damaged file: never truncated into some other process's pid (found by
  // fuzz_kv_state).
  auto pid = [&](const char* key) -> pid_t {
    long long n = num(key);
    if (ok && (n < 0 || n > kMaxPid)) {
      *err = std::string("'") + key + "' is not a process id: " + std::to_string(n);
      ok = false;
    }
    return static_cast<pid_t>(n);
  };
  std::string phase, main_exited;
  str("run_id", &s->run_id);
  str("phase", &phase);
  str("backend", &s->backend);
  str("backend_id", &s->backend_id);
  s->wrapper_pid = pid("wrapper_pid");
  s->wrapper_start_ticks = static_cast<unsigned long long>(num("wrapper_start_ticks"));
  s->pid = pid("pid");
  s->pid_start_ticks = static_cast<unsigned long long>(num("pid_start_ticks"));
  s->pgid = pid("pgid");
  s->sid = pid("sid");
  s->started_at_ms = num("started_at_ms");
  s->finished_at_ms = num("finished_at_ms");
  str("main_exited", &main_exited);
  s->exit_code = static_cast<int>(num("exit_code"));
  s->exit_signal = static_cast<int>(num("exit_signal"));
  str("stop_request", &s->stop_request);
  s->ended_by = static_cast<int>(num("ended_by"));
  str("error", &s->error);
  str("note", &s->note);
  if (!ok) return false;
  // Added later in version 1: absent in older files.
  s->restarts = static_cast<int>(kv.get_int("restarts", 0));
  s->next_start_at_ms = kv.get_int("next_start_at_ms", 0);
  if (!health_status_from_name(kv.get("health").value_or(""), &s->health)) {
    *err = "unknown health status '" + kv.get("health").value_or("") + "'";
    return false;
  }
  s->health_failures = static_cast<int>(kv.get_int("health_failures", 0));
  s->health_detail = kv.get("health_detail").value_or("");
  s->ready = kv.get("ready").value_or("0") == "1";
  s->ready_at_ms = kv.get_int("ready_at_ms", 0);
  s->next_fire_at_ms = kv.get_int("next_fire_at_ms", 0);
  s->last_fire_at_ms = kv.get_int("last_fire_at_ms", 0);
  s->runs = static_cast<int>(kv.get_int("runs", 0));
  s->skipped = static_cast<int>(kv.get_int("skipped", 0));
  s->log_error = kv.get("log_error").value_or("");
  s->log_dropped_bytes = kv.get_int("log_dropped_bytes", 0);
  s->host = kv.get("host").value_or("");
  s->boot_id = kv.get("boot").value_or("");
  s->main_exited = main_exited == "1";
  if (!phase_from_name(phase, &s->phase)) {
    *err = "unknown phase '" + phase + "'";
    return false;
  }
  return true;
}

}  // namespace spmi
