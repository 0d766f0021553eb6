// spmi _control <id> <request>: internal, not in help or completions. Writes
// one request byte (common/control_protocol.h) into the control FIFO of task
// <id> on this host and exits 0, or 1 with why. A backend's relay runs it
// where the task's wrapper runs (Slurm: `srun --jobid J --overlap` on the
// job's node), because a FIFO on a shared file system reaches only readers
// on the same host. The spmi that relays it holds the task's cli.lock and
// does everything else (waiting, reporting) itself; this one takes no lock.
#include "backends/backend.h"

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "store/control.h"

namespace spmi {

Command add_control_command(CLI::App& app, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto request = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(std::string(kControlCommand), "Internal: a request to a task's wrapper, relayed to its host");
  sub->group("");  // hidden
  sub->add_option("id", *id, "Task id")->required();
  sub->add_option("request", *request, "One request byte")->required();
  return {sub, [&ctx, id, request] {
            ControlRequest r;
            if (!ran_on_node() || request->size() != 1 || !control_request_from_byte((*request)[0], &r)) {
              print_error(std::string(kControlCommand) + " is internal: a backend's relay runs it where a wrapper runs");
              return kExitUsage;
            }
            std::string err;
            if (!send_control(ctx.store.task_dir(*id), r, &err)) {
              print_error(*id + " (on " + host_name() + "): " + err);
              return kExitFailure;
            }
            return kExitOk;
          }};
}

}  // namespace spmi
