// Encoding and decoding of the task's runtime state file.
#include "common/task_state.h"

#include "common/kv_record.h"
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

constexpr NameTable<EndCause, 4> kEndCauses{{{
    {EndCause::None, ""},
    {EndCause::Exit, "exit"},
    {EndCause::User, "user"},
    {EndCause::Signal, "signal"},
}}};

const char* end_cause_name(EndCause c) { return kEndCauses.name(c); }
bool end_cause_from_name(const std::string& name, EndCause* out) { return kEndCauses.parse(name, out); }

const char* phase_name(Phase p) { return kPhases.name(p); }
bool phase_from_name(const std::string& name, Phase* out) { return kPhases.parse(name, out); }

bool phase_is_live(Phase p) {
  return p != Phase::Exited && p != Phase::FailedToStart && p != Phase::GaveUp && p != Phase::Queued;
}

namespace {

using kv::At;
using kv::Field;
using kv::Rule;
using T = TaskState;
constexpr Rule kRequired = Rule::Required, kUnlessDefault = Rule::UnlessDefault;

// The state file, key by key, in file order (state/schema.md, "state").
// The Required keys are those of the first version; the rest were added
// later and are absent in older files.
constexpr Field<T> kStateFields[] = {
    kv::text<At<&T::run_id>, kRequired>("run_id"),
    kv::name<At<&T::phase>, phase_name, phase_from_name, kRequired>("phase"),
    kv::text<At<&T::backend>, kRequired>("backend"),
    kv::text<At<&T::backend_id>, kRequired>("backend_id"),
    kv::text<At<&T::host>, kUnlessDefault>("host"),
    kv::text<At<&T::boot_id>, kUnlessDefault>("boot"),
    kv::pid<At<&T::wrapper_pid>, kMaxPid>("wrapper_pid"),
    kv::number<At<&T::wrapper_start_ticks>, kRequired>("wrapper_start_ticks"),
    kv::pid<At<&T::pid>, kMaxPid>("pid"),
    kv::number<At<&T::pid_start_ticks>, kRequired>("pid_start_ticks"),
    kv::pid<At<&T::pgid>, kMaxPid>("pgid"),
    kv::pid<At<&T::sid>, kMaxPid>("sid"),
    kv::number<At<&T::started_at_ms>, kRequired>("started_at_ms"),
    kv::number<At<&T::finished_at_ms>, kRequired>("finished_at_ms"),
    kv::flag<At<&T::main_exited>, kRequired>("main_exited"),
    kv::number<At<&T::exit_code>, kRequired>("exit_code"),
    kv::number<At<&T::exit_signal>, kRequired>("exit_signal"),
    kv::text<At<&T::stop_request>, kRequired>("stop_request"),
    kv::number<At<&T::ended_by>, kRequired>("ended_by"),
    kv::name<At<&T::end_cause>, end_cause_name, end_cause_from_name, kUnlessDefault>("end_cause"),
    kv::text<At<&T::error>, kRequired>("error"),
    kv::text<At<&T::note>, kRequired>("note"),
    kv::number<At<&T::restarts>>("restarts"),
    kv::number<At<&T::next_start_at_ms>>("next_start_at_ms"),
    kv::name<At<&T::health>, health_status_name, health_status_from_name>("health"),
    kv::number<At<&T::health_failures>>("health_failures"),
    kv::text<At<&T::health_detail>>("health_detail"),
    kv::flag<At<&T::ready>>("ready"),
    kv::number<At<&T::ready_at_ms>>("ready_at_ms"),
    kv::number<At<&T::next_fire_at_ms>>("next_fire_at_ms"),
    kv::number<At<&T::last_fire_at_ms>>("last_fire_at_ms"),
    kv::number<At<&T::runs>>("runs"),
    kv::number<At<&T::skipped>>("skipped"),
    kv::text<At<&T::log_error>>("log_error"),
    kv::number<At<&T::log_dropped_bytes>>("log_dropped_bytes"),
    kv::text<At<&T::cgroup_mode>, kUnlessDefault>("cgroup_mode"),
    kv::texts<At<&T::cgroups>>("cgroup"),
    kv::text<At<&T::cgroup_note>, kUnlessDefault>("cgroup_note"),
    kv::number<At<&T::reloads>, kUnlessDefault>("reloads"),
    kv::number<At<&T::reloaded_at_ms>, kUnlessDefault>("reloaded_at_ms"),
    kv::text<At<&T::reload_error>, kUnlessDefault>("reload_error"),
};

}  // namespace

std::vector<const char*> state_keys() { return kv::keys(kStateFields); }

std::string serialize_state(const TaskState& s) { return kv::serialize(kStateFields, "spmi-state", kStateVersion, s); }

bool parse_state(const std::string& text, TaskState* s, std::string* err) {
  return kv::parse(kStateFields, "spmi-state", kStateVersion, text, s, err);
}

}  // namespace spmi
