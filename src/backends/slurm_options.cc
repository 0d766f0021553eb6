// [task.backend] of a slurm task: the job's resources, checked at load so a
// typo fails there, not at the first sbatch, and kept in the spec as the
// task's backend options (slurm_* keys, state/schema.md), one table of keys.
#include <algorithm>

#include "backends/slurm.h"
#include "backends/slurm_backend.h"
#include "common/kv_record.h"
#include "manageables/schema.h"

namespace spmi {

namespace {

using kv::At;
using kv::Rule;
using SS = SlurmSettings;

// The options in the spec, in this order (each only when set).
constexpr kv::Field<SS> kSlurmFields[] = {
    kv::text<At<&SS::partition>, Rule::UnlessDefault>("slurm_partition"),
    kv::number<At<&SS::time_ms>, Rule::UnlessDefault>("slurm_time_ms"),
    kv::number<At<&SS::cpus>, Rule::UnlessDefault>("slurm_cpus"),
    kv::number<At<&SS::mem_bytes>, Rule::UnlessDefault>("slurm_mem_bytes"),
    kv::number<At<&SS::nodes>, Rule::UnlessDefault>("slurm_nodes"),
    kv::text<At<&SS::account>, Rule::UnlessDefault>("slurm_account"),
    kv::text<At<&SS::qos>, Rule::UnlessDefault>("slurm_qos"),
    kv::text<At<&SS::constraint>, Rule::UnlessDefault>("slurm_constraint"),
    kv::text<At<&SS::nodelist>, Rule::UnlessDefault>("slurm_nodelist"),
    kv::text<At<&SS::exclude>, Rule::UnlessDefault>("slurm_exclude"),
    kv::flag<At<&SS::requeue>, Rule::UnlessDefault>("slurm_requeue"),
    kv::texts<At<&SS::extra_args>>("slurm_arg"),
};

}  // namespace

SlurmSettings slurm_settings(const TaskSpec& spec) {
  KvFile kv;
  for (const auto& [key, value] : spec.backend_options) kv.add(key, value);
  SlurmSettings s;
  std::string ignored;  // every row reads leniently: an unreadable number stays unset
  for (const auto& f : kSlurmFields) f.read(kv, f.key, s, &ignored);
  return s;
}

void store_slurm_settings(const SlurmSettings& settings, TaskSpec* spec) {
  KvFile kv;
  const SlurmSettings defaults;
  for (const auto& f : kSlurmFields) f.write(settings, defaults, f.key, kv);
  spec->backend_options = kv.entries();
}

namespace {

// The typed checks of each option.
void read_settings(const Node& backend, Checker& check, SlurmSettings& s) {
  const char* where = "task.backend";
  const std::pair<const char*, std::string*> names[] = {
      {"partition", &s.partition}, {"account", &s.account}, {"qos", &s.qos}, {"constraint", &s.constraint},
      {"nodelist", &s.nodelist},   {"exclude", &s.exclude}};
  for (const auto& [key, out] : names) {
    if (!check.get_string(backend, where, key, false, out)) continue;
    bool bad = out->empty() || std::any_of(out->begin(), out->end(), [](char c) {
                 return static_cast<unsigned char>(c) <= ' ';
               });
    if (bad) check.error(backend.find(key)->pos, join_path(where, key) + ": expected a non-empty name without spaces");
  }
  if (check.get_duration(backend, where, "time", &s.time_ms) && s.time_ms < 60000)
    check.error(backend.find("time")->pos, "task.backend.time: Slurm counts time limits in minutes; use at least \"1m\"");
  check.get_bool(backend, where, "requeue", false, &s.requeue);
  long long n = 0;
  if (check.get_int(backend, where, "cpus", 1, 100000, &n)) s.cpus = static_cast<int>(n);
  if (check.get_int(backend, where, "nodes", 1, 100000, &n)) s.nodes = static_cast<int>(n);
  if (check.get_size(backend, where, "mem", "4GiB", &s.mem_bytes) && s.mem_bytes < (1 << 20))
    check.error(backend.find("mem")->pos, "task.backend.mem: Slurm counts memory in MiB; use at least \"1MiB\"");
  if (const Node* extra = backend.find("extra_args")) {
    if (extra->kind != Node::Kind::Array) {
      check.error(extra->pos, "task.backend.extra_args: expected an array of sbatch arguments, got " + describe_kind(*extra));
      return;
    }
    for (const Node& a : extra->items) {
      std::string name;
      if (a.kind != Node::Kind::String)
        check.error(a.pos, "task.backend.extra_args: expected strings, got " + describe_kind(a));
      else if (reserved_sbatch_option(a.str, &name) && name.find("requeue") != std::string::npos)
        check.error(a.pos, "task.backend.extra_args: '" + a.str + "': use the requeue key (requeue = true or false)");
      else if (!name.empty())
        check.error(a.pos, "task.backend.extra_args: '" + a.str + "': spmi sets " + name +
                               " itself (the job's output, name and script belong to the task directory)");
      else
        s.extra_args.push_back(a.str);
    }
  }
}

}  // namespace

void SlurmBackend::read_options(const Node& backend, Checker& check, TaskSpec* spec) const {
  check_backend_keys(backend, check, option_keys());
  SlurmSettings s;
  read_settings(backend, check, s);
  store_slurm_settings(s, spec);
}

}  // namespace spmi
