// The subcommand table: each command lives in its own cmd_<name>.cc and
// registers itself with CLI11 through one add_* function listed in main.cc.
// Commands do not call each other: what several share is in src/lifecycle/
// (start, stop, restart, remove), src/store/ (task views, waiting targets)
// or the CLI's helpers here (selection.h, wait.h, output.h, view_format.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/cli11_fwd.h"

#include "cli/output.h"
#include "cli/selection.h"

namespace spmi {

// A registered subcommand and the function that runs it (called after
// parsing when that subcommand was chosen), returning the exit code.
struct Command {
  CLI::App* sub;
  std::function<int()> run;
};
using CommandAdder = Command (*)(CLI::App& app, Context& ctx);

Command add_load_command(CLI::App& app, Context& ctx);
Command add_list_command(CLI::App& app, Context& ctx);
Command add_start_command(CLI::App& app, Context& ctx);
Command add_stop_command(CLI::App& app, Context& ctx);
Command add_kill_command(CLI::App& app, Context& ctx);
Command add_clean_command(CLI::App& app, Context& ctx);
Command add_status_command(CLI::App& app, Context& ctx);
Command add_connect_command(CLI::App& app, Context& ctx);
Command add_restart_command(CLI::App& app, Context& ctx);
Command add_reload_command(CLI::App& app, Context& ctx);
Command add_events_command(CLI::App& app, Context& ctx);
Command add_wait_command(CLI::App& app, Context& ctx);
Command add_logs_command(CLI::App& app, Context& ctx);
Command add_validate_command(CLI::App& app, Context& ctx);
Command add_run_command(CLI::App& app, Context& ctx);
Command add_graph_command(CLI::App& app, Context& ctx);
Command add_apply_command(CLI::App& app, Context& ctx);
Command add_resurrect_command(CLI::App& app, Context& ctx);
Command add_export_command(CLI::App& app, Context& ctx);
Command add_doctor_command(CLI::App& app, Context& ctx);
Command add_top_command(CLI::App& app, Context& ctx);
Command add_schema_command(CLI::App& app, Context& ctx);
Command add_control_command(CLI::App& app, Context& ctx);  // internal, hidden

}  // namespace spmi
