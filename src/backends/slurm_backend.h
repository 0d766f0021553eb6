// The slurm backend's class, shared by its files: slurm_backend.cc (start,
// connect), slurm_options.cc ([task.backend] keys), slurm_view.cc (what
// Slurm says of a task no wrapper holds), slurm_end.cc (stop and kill
// through scancel). Nothing outside src/backends/ includes this.
#pragma once

#include "backends/backend.h"

namespace spmi {

class SlurmBackend : public Backend {
 public:
  std::vector<std::string_view> option_keys() const override {
    return {"type", "partition", "time", "cpus", "mem", "nodes", "account", "qos", "constraint", "nodelist", "exclude", "requeue",
            "extra_args"};
  }
  void read_options(const Node& table, Checker& check, TaskSpec* spec) const override;
  StartResult start(const TaskSpec& spec, const std::string& task_dir) const override;
  void refine_views(const Store& store, const std::vector<TaskView*>& views,
                    std::vector<TaskView*>* changed) const override;
  // A Slurm job's processes are Slurm's to end (and may be on another node).
  bool ends_leftovers() const override { return false; }
  bool shows_host() const override { return true; }
  // A queued job has no wrapper yet: end the job, then submit a new one. A
  // wrapper on another node is asked there (relay), keeping its job.
  bool restarts_in_place(const TaskView& v) const override { return !v.queued(); }
  bool request_end(const TaskView& v, EndRequest* req, const DebugSink& debug, std::string* err) const override;
  EndOutcome await_end(const Store& store, const TaskView& v, EndRequest& req, const DebugSink& debug) const override;
  std::string end_lost(const TaskView& v, bool kill, std::string* err) const override;
  // On this host a slurm task is reached like a native one (its FIFOs); on
  // another node, through `srun --jobid J --overlap spmi ...` there, which
  // sets kOnNodeVariable so that spmi acts locally.
  bool attaches(const TaskView& v) const override;
  std::string attach_banner(const TaskView& v) const override;
  int attach(const TaskView& v, std::string* err) const override;
  bool relays(const TaskView& v) const override;
  int relay(const TaskView& v, const std::vector<std::string>& args, bool terminal, std::string* err) const override;
  std::string local_connect_label() const override { return "Slurm job, on its node"; }
};

}  // namespace spmi
