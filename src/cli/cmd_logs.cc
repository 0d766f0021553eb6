// spmi logs <patterns>... [-n N] [-f] [--stdout|--stderr] [--grep RE]
//           [--since T] [--until T] [--json] | --clear
//
// The last lines of tasks' output, reaching back into rotated and gzipped
// files; several tasks (or both streams) are merged in time order when the
// logs have timestamps, with an "id | " prefix for several tasks. -f then
// follows the logs across rotations until interrupted. --clear empties the
// logs (through the wrapper while the task runs). Read-only otherwise.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "backends/backend.h"
#include "cli/commands.h"
#include "cli/view_format.h"
#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/safe_file.h"
#include "manageables/units.h"
#include "store/control.h"
#include "store/log_reader.h"

namespace spmi {

namespace {

struct LogsOptions {
  Selection sel;
  int lines = 20;
  bool follow = false;
  bool only_stdout = false;
  bool only_stderr = false;
  std::string grep;
  std::string since;
  std::string until;
  bool json = false;
  bool clear = false;
};

// An unanchored PCRE2 search over log lines.
class LineFilter {
 public:
  ~LineFilter() {
    if (md_) pcre2_match_data_free(md_);
    if (re_) pcre2_code_free(re_);
  }
  bool compile(const std::string& pattern, std::string* err) {
    int code = 0;
    PCRE2_SIZE offset = 0;
    re_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0, &code, &offset, nullptr);
    if (!re_) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(code, msg, sizeof msg);
      *err = "--grep '" + pattern + "': " + reinterpret_cast<char*>(msg) + " at offset " + std::to_string(offset);
      return false;
    }
    md_ = pcre2_match_data_create_from_pattern(re_, nullptr);
    return true;
  }
  bool matches(const std::string& text) const {
    if (!re_) return true;
    return pcre2_match(re_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, md_, nullptr) >= 0;
  }

 private:
  pcre2_code* re_ = nullptr;
  pcre2_match_data* md_ = nullptr;
};

struct Stream {
  std::string id;
  const char* name;  // "stdout" or "stderr"
  std::string path;
  bool timestamps;
};

struct Shown {
  const Stream* stream;
  LogLine line;
};

void print_line(const LogsOptions& opts, const Shown& s, bool prefix) {
  if (opts.json) {
    nlohmann::json j = {{"task", s.stream->id},
                        {"stream", s.stream->name},
                        {"time", s.line.time_ms >= 0 ? nlohmann::json(format_rfc3339_utc(s.line.time_ms)) : nullptr},
                        {"text", s.line.text}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::string out;
  if (prefix) out = s.stream->id + " | ";
  if (s.line.time_ms >= 0) out += format_rfc3339_utc(s.line.time_ms) + " ";
  out += s.line.text;
  std::printf("%s\n", out.c_str());
}

int clear_logs(Context& ctx, const std::vector<std::string>& ids) {
  bool failed = false;
  for (const auto& id : ids) {
    TaskView v;
    std::string why;
    Fd lock = lock_and_inspect(ctx.store, id, &v, &why);
    if (!lock.valid()) {
      print_error(why);
      failed = true;
      continue;
    }
    std::vector<std::string> paths = {v.spec.stdout_log(v.dir)};
    if (!v.spec.mixed_stdout) paths.push_back(v.spec.stderr_log(v.dir));
    std::string err;
    if (v.condition == TaskCondition::Active && !v.queued()) {
      // The wrapper is the writer: it truncates, keeping its offsets right
      // (asked where it runs: another node's through the backend's relay).
      // A queued job's wrapper waits for the cli.lock held here.
      if (!request_wrapper(wrapper_backend(ctx.session(), v), v, ControlRequest::ClearLogs, &err)) {
        print_error(id + ": " + err);
        failed = true;
        continue;
      }
    } else {
      // Through a descriptor, never following a link: the log's directory
      // may belong to the task's user (common/safe_file.h).
      bool ok = true;
      for (const auto& p : paths) ok = truncate_file_safely(p, &err) && ok;
      if (!ok) {
        print_error(id + ": " + err);
        failed = true;
        continue;
      }
    }
    for (const auto& p : paths) {
      Fd dir = open_dir(dir_name(p), &err);
      if (!dir.valid()) continue;
      // unlinkat never follows a link; names are relative to the directory
      // opened once.
      for (const auto& r : list_rotated_log_names(dir.get(), base_name(p))) ::unlinkat(dir.get(), r.c_str(), 0);
    }
    std::printf("cleared the logs of %s\n", id.c_str());
  }
  return failed ? kExitFailure : kExitOk;
}

int run_logs(Context& ctx, const LogsOptions& opts) {
  if (opts.only_stdout && opts.only_stderr) {
    print_error("--stdout and --stderr exclude each other (without either, both are shown)");
    return kExitUsage;
  }
  LineFilter filter;
  std::string err;
  if (!opts.grep.empty() && !filter.compile(opts.grep, &err)) {
    print_error(err);
    return kExitUsage;
  }
  int64_t since = -1, until = -1;
  if (!opts.since.empty() && !parse_time_arg("--since", opts.since, &since)) return kExitUsage;
  if (!opts.until.empty() && !parse_time_arg("--until", opts.until, &until)) return kExitUsage;
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, opts.sel, &ids, &unmatched, &code)) return code;
  if (opts.clear) {
    int c = clear_logs(ctx, ids);
    return c != kExitOk ? c : combine_exit(false, unmatched);
  }

  std::vector<Stream> streams;
  bool failed = false;
  for (const auto& id : ids) {
    TaskView v = inspect_task(ctx.store, id, false);
    if (v.condition == TaskCondition::Broken) {
      print_error(id + ": " + v.error);
      failed = true;
      continue;
    }
    bool ts = v.spec.logs.timestamps;
    if ((since >= 0 || until >= 0) && !ts) {
      print_error(id + ": --since/--until need timestamps in its logs (task.logs.timestamps = true)");
      failed = true;
      continue;
    }
    if (!opts.only_stderr) streams.push_back({id, "stdout", v.spec.stdout_log(v.dir), ts});
    if (!opts.only_stdout && !v.spec.mixed_stdout) streams.push_back({id, "stderr", v.spec.stderr_log(v.dir), ts});
  }
  bool all_timestamped = std::all_of(streams.begin(), streams.end(), [](const Stream& s) { return s.timestamps; });
  bool prefix = ids.size() > 1;
  if (ids.size() > 1 && !all_timestamped && !opts.json)
    print_error(
        "some of these logs have no timestamps (task.logs.timestamps), so they cannot be merged in time "
        "order: shown task by task");

  // The last N matching lines, merged in time order when every line has a time.
  std::vector<Shown> shown;
  std::vector<std::string> errors;
  auto wanted = [&](const LogLine& l) {
    if (since >= 0 && (l.time_ms < 0 || l.time_ms < since)) return false;
    if (until >= 0 && (l.time_ms < 0 || l.time_ms > until)) return false;
    return filter.matches(l.text);
  };
  // Followers first, and the history up to where each one starts: a line
  // written in between is shown once, by the follower.
  std::vector<LogFollower> followers;
  if (opts.follow)
    for (const auto& s : streams) followers.emplace_back(s.path);
  // Each stream's last N lines are enough for the last N of all of them.
  for (size_t i = 0; i < streams.size(); ++i) {
    const Stream& s = streams[i];
    const LogCut* cut = opts.follow ? &followers[i].start() : nullptr;
    for (auto& l : read_log_tail(s.path, s.timestamps, static_cast<size_t>(opts.lines), wanted, &errors, cut))
      shown.push_back({&s, std::move(l)});
  }
  for (const auto& e : errors) print_error(e);
  if (all_timestamped)
    std::stable_sort(shown.begin(), shown.end(),
                     [](const Shown& a, const Shown& b) { return a.line.time_ms < b.line.time_ms; });
  size_t from = shown.size() > static_cast<size_t>(opts.lines) ? shown.size() - static_cast<size_t>(opts.lines) : 0;
  if (!all_timestamped && streams.size() > 1) {
    // Task by task (stream by stream): the last N lines of each.
    std::vector<size_t> count(streams.size(), 0);
    std::vector<bool> keep(shown.size(), false);
    for (size_t i = shown.size(); i-- > 0;) {
      size_t k = static_cast<size_t>(shown[i].stream - streams.data());
      if (count[k] < static_cast<size_t>(opts.lines)) {
        ++count[k];
        keep[i] = true;
      }
    }
    for (size_t i = 0; i < shown.size(); ++i)
      if (keep[i]) print_line(opts, shown[i], prefix);
  } else {
    for (size_t i = from; i < shown.size(); ++i) print_line(opts, shown[i], prefix);
  }
  std::fflush(stdout);
  if (!opts.follow) return combine_exit(failed || !errors.empty(), unmatched);

  // Follow until interrupted.
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  Fd sigfd(::signalfd(-1, &set, SFD_CLOEXEC));
  for (;;) {
    for (size_t i = 0; i < streams.size(); ++i) {
      for (auto& text : followers[i].poll()) {
        Shown s{&streams[i], {}};
        if (!streams[i].timestamps || !parse_log_timestamp(text, &s.line.time_ms, &s.line.text)) s.line.text = text;
        if (until >= 0 && s.line.time_ms > until) continue;
        if (filter.matches(s.line.text)) print_line(opts, s, prefix);
      }
    }
    std::fflush(stdout);
    struct pollfd p {
      sigfd.get(), POLLIN, 0
    };
    if (::poll(&p, 1, 100) > 0) break;
  }
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_logs_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<LogsOptions>();
  CLI::App* sub = app.add_subcommand("logs", "Show tasks' output (rotated files included), or follow it");
  add_selection_options(sub, opts->sel);
  sub->add_option("-n,--lines", opts->lines, "How many lines to show (default 20)")->check(CLI::Range(0, 100000000));
  sub->add_flag("-f,--follow", opts->follow, "Then follow the logs as they grow, across rotations, until interrupted");
  sub->add_flag("--stdout", opts->only_stdout, "Only standard output");
  sub->add_flag("--stderr", opts->only_stderr, "Only standard error");
  sub->add_option("--grep", opts->grep, "Only lines matching this regular expression (PCRE2, anywhere in the line)");
  sub->add_option("--since", opts->since, "Only lines from this time on: a duration ago (10m) or a date-time");
  sub->add_option("--until", opts->until, "Only lines up to this time");
  sub->add_flag("--json", opts->json, "One JSON object per line: task, stream, time, text");
  sub->add_flag("--clear", opts->clear, "Empty the tasks' logs (also while they run) and delete rotated files");
  return {sub, [&ctx, opts] { return run_logs(ctx, *opts); }};
}

}  // namespace spmi
