// spmi events [patterns]... [-n N] [--json]: the wrapper's transitions
// (started, restart-scheduled, gave-up, stopped, ...) from each task's
// events.jsonl, merged in time order. Read-only.
#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"

namespace spmi {

namespace {

struct Options {
  Selection sel;
  int lines = 20;
  bool json = false;
  std::string since;
  std::string until;
};

struct Event {
  std::string time;
  std::string raw;
  nlohmann::json j;
};

std::string field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

int run_events(Context& ctx, const Options& opts) {
  int64_t since = -1, until = -1;
  if (!opts.since.empty() && !parse_time_arg("--since", opts.since, &since)) return kExitUsage;
  if (!opts.until.empty() && !parse_time_arg("--until", opts.until, &until)) return kExitUsage;
  std::string since_text = since >= 0 ? format_rfc3339_utc(since) : "";
  std::string until_text = until >= 0 ? format_rfc3339_utc(until) : "";
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  // No selection: every task (and no tasks at all is not an error here).
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code, true)) return code;
  std::vector<Event> events;
  bool failed = false;
  for (const auto& id : ids) {
    std::ifstream in(ctx.store.task_file(id, task_files::kEvents));
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.empty()) continue;
      Event e;
      e.raw = line;
      try {
        e.j = nlohmann::json::parse(line);
        e.time = field(e.j, "time");
      } catch (const std::exception&) {
        // A line cut short by a crash mid-write is reported, not fatal.
        print_error(ctx.store.task_file(id, task_files::kEvents) + ":" + std::to_string(line_no) + ": not a JSON event");
        failed = true;
        continue;
      }
      // RFC 3339 UTC times with milliseconds compare as strings.
      if (!since_text.empty() && e.time < since_text) continue;
      if (!until_text.empty() && e.time > until_text) continue;
      events.push_back(std::move(e));
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
  size_t from = events.size() > static_cast<size_t>(opts.lines) ? events.size() - static_cast<size_t>(opts.lines) : 0;
  for (size_t i = from; i < events.size(); ++i) {
    const auto& j = events[i].j;
    if (opts.json) {
      std::printf("%s\n", events[i].raw.c_str());
      continue;
    }
    std::string text = events[i].time + "  " + field(j, "task") + "  " + field(j, "event") + "  " + field(j, "from") +
                       " -> " + field(j, "to");
    if (!field(j, "pid").empty()) text += "  pid " + field(j, "pid");
    if (!field(j, "exit_code").empty()) text += "  exit " + field(j, "exit_code");
    if (!field(j, "signal").empty()) text += "  " + field(j, "signal");
    if (!field(j, "delay_ms").empty()) text += "  delay " + field(j, "delay_ms") + "ms";
    if (field(j, "restarts") != "0" && !field(j, "restarts").empty()) text += "  restarts " + field(j, "restarts");
    if (!field(j, "reason").empty()) text += "  (" + field(j, "reason") + ")";
    std::printf("%s\n", text.c_str());
  }
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_events_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("events", "Show what the wrappers did (starts, restarts, stops), oldest first");
  add_selection_options(sub, opts->sel, true);
  sub->add_option("-n,--lines", opts->lines, "How many events to show (default 20)")->check(CLI::Range(0, 1000000));
  sub->add_flag("--json", opts->json, "One JSON object per line, as stored");
  sub->add_option("--since", opts->since, "Only events from this time on: a duration ago (10m) or a date-time");
  sub->add_option("--until", opts->until, "Only events up to this time");
  return {sub, [&ctx, opts] { return run_events(ctx, *opts); }};
}

}  // namespace spmi
