// Turning a TaskView into what list and status print: short summaries for
// the table, the JSON object documented in docs/sphinx/cli.rst, and tails
// of the task's output files.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "store/task_view.h"
#include "store/usage.h"

namespace spmi {

inline constexpr int kJsonSchemaVersion = 1;

// "exit 0", "SIGTERM", "exit 1 (stopped: SIGKILL)"...
std::string describe_exit(const TaskState& st);
// The colour of a condition in tables.
Color condition_color(TaskCondition c);
// "signal (its wrapper got a stop signal ...)": TaskView::end_cause() for people.
std::string describe_end_cause(const std::string& cause);
// The task as JSON; `detailed` adds paths, command and output tails.
// `usage` adds the resource figures (null fields when it was not sampled).
nlohmann::json view_to_json(const TaskView& v, bool detailed, int tail_lines, const TaskUsage* usage = nullptr);
// Table forms of the figures: "12%", "0.4%"; "101.2M", "812K" ("-": unknown).
std::string format_cpu_percent(const TaskUsage& u);
std::string format_memory_short(long long bytes);
// Prints `j` on stdout (invalid UTF-8 from task output is replaced, never fatal).
void print_json(const nlohmann::json& j);
// Writes {"schema": kJsonSchemaVersion, "tasks": [item(0), ... item(n-1)]}
// to `out` exactly as print_json prints that document, one item at a time:
// `list --json` of 10,000 tasks never holds the whole document (11 MB).
void write_json_task_list(FILE* out, size_t n, const std::function<nlohmann::json(size_t)>& item);
// The last `n` lines of the file at `path` (empty when it does not exist).
std::vector<std::string> tail_lines(const std::string& path, int n);
// The paths of the task's stdout and stderr files (stderr empty when mixed).
std::string stdout_path(const TaskView& v);
std::string stderr_path(const TaskView& v);

}  // namespace spmi
