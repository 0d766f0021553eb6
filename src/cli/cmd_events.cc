// spmi events [patterns]... [-n N] [--json] [-f]: the wrapper's transitions
// (started, restart-scheduled, gave-up, stopped, ...) from each task's
// events.jsonl, merged in time order; with -f, then every new event as the
// wrappers append it (inotify on the task directories), until interrupted.
// Read-only.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/clock.h"
#include "common/fd.h"

namespace spmi {

namespace {

struct EventsOptions {
  Selection sel;
  int lines = 20;
  bool json = false;
  std::string since;
  std::string until;
  bool follow = false;
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

void print_event(const Event& e, bool json) {
  const auto& j = e.j;
  if (json) {
    std::printf("%s\n", e.raw.c_str());
    return;
  }
  std::string text = e.time + "  " + field(j, "task") + "  " + field(j, "event") + "  " + field(j, "from") + " -> " +
                     field(j, "to");
  if (!field(j, "pid").empty()) text += "  pid " + field(j, "pid");
  if (!field(j, "exit_code").empty()) text += "  exit " + field(j, "exit_code");
  if (!field(j, "signal").empty()) text += "  " + field(j, "signal");
  if (!field(j, "delay_ms").empty()) text += "  delay " + field(j, "delay_ms") + "ms";
  if (field(j, "restarts") != "0" && !field(j, "restarts").empty()) text += "  restarts " + field(j, "restarts");
  if (!field(j, "reason").empty()) text += "  (" + field(j, "reason") + ")";
  std::printf("%s\n", text.c_str());
}

// One task's events file: the complete lines from `*offset` on (a line the
// wrapper is still writing waits for the next read), parsed.
bool read_events(const std::string& path, off_t* offset, std::vector<Event>* out, bool* failed) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  std::string data;
  char buf[65536];
  for (ssize_t n; (n = ::pread(fd.get(), buf, sizeof buf, *offset + static_cast<off_t>(data.size()))) > 0;)
    data.append(buf, static_cast<size_t>(n));
  size_t end = data.rfind('\n');
  if (end == std::string::npos) return true;
  size_t at = 0;
  while (at <= end) {
    size_t nl = data.find('\n', at);
    std::string line = data.substr(at, nl - at);
    at = nl + 1;
    if (line.empty()) continue;
    Event e;
    e.raw = line;
    try {
      e.j = nlohmann::json::parse(line);
      e.time = field(e.j, "time");
    } catch (const std::exception&) {
      // A line cut short by a crash mid-write is reported, not fatal.
      print_error(path + ": not a JSON event at byte " + std::to_string(*offset + static_cast<off_t>(at - line.size() - 1)));
      *failed = true;
      continue;
    }
    out->push_back(std::move(e));
  }
  *offset += static_cast<off_t>(end + 1);
  return true;
}

// Follows the events files of `ids` (and, when `all`, of tasks loaded
// later) from `offsets` on, printing each new event as it is appended,
// until SIGINT or SIGTERM (exit 0) or stdout goes away.
int follow_events(Context& ctx, const EventsOptions& opts, std::vector<std::string> ids, std::map<std::string, off_t> offsets,
                  bool all, bool failed) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  Fd sig(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  Fd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in.valid() || !sig.valid()) {
    print_error(std::string("cannot follow the events: ") + (in.valid() ? "signalfd" : "inotify") + ": " + errno_text(errno));
    return kExitSystem;
  }
  std::map<int, std::string> watched;  // watch descriptor -> task id ("" for the root)
  auto watch = [&](const std::string& id) {
    int wd = ::inotify_add_watch(in.get(), ctx.store.task_dir(id).c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
    if (wd >= 0) watched[wd] = id;
  };
  for (const auto& id : ids) watch(id);
  if (all) {
    int wd = ::inotify_add_watch(in.get(), ctx.store.root().c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
    if (wd >= 0) watched[wd] = "";
  }
  auto catch_up = [&](const std::string& id) {
    std::vector<Event> events;
    read_events(ctx.store.task_file(id, task_files::kEvents), &offsets[id], &events, &failed);
    for (const auto& e : events) print_event(e, opts.json);
    std::fflush(stdout);
  };
  ::signal(SIGPIPE, SIG_IGN);
  for (;;) {
    struct pollfd fds[2] = {{in.get(), POLLIN, 0}, {sig.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return kExitSystem;
    }
    if (fds[1].revents) return failed ? kExitFailure : kExitOk;
    alignas(struct inotify_event) char buf[8192];
    ssize_t n;
    std::vector<std::string> touched;
    while ((n = ::read(in.get(), buf, sizeof buf)) > 0) {
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(p);
        p += sizeof(struct inotify_event) + ev->len;
        auto it = watched.find(ev->wd);
        if (it == watched.end() || ev->len == 0) continue;
        std::string name = ev->name;
        if (it->second.empty()) {
          // A task loaded while following (load renames it into place).
          if (name[0] != '.' && ctx.store.has_task(name) && std::find(ids.begin(), ids.end(), name) == ids.end()) {
            ids.push_back(name);
            offsets[name] = 0;
            watch(name);
            touched.push_back(name);
          }
        } else if (name == task_files::kEvents) {
          touched.push_back(it->second);
        }
      }
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto& id : touched) catch_up(id);
    if (std::ferror(stdout)) {  // the reader went away (a closed pipe)
      std::clearerr(stdout);
      return kExitOk;
    }
  }
}

int run_events(Context& ctx, const EventsOptions& opts) {
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
  std::map<std::string, off_t> offsets;  // where each file was read up to (for -f)
  for (const auto& id : ids) {
    std::vector<Event> mine;
    read_events(ctx.store.task_file(id, task_files::kEvents), &offsets[id], &mine, &failed);
    for (auto& e : mine) {
      // RFC 3339 UTC times with milliseconds compare as strings.
      if (!since_text.empty() && e.time < since_text) continue;
      if (!until_text.empty() && e.time > until_text) continue;
      events.push_back(std::move(e));
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
  size_t from = events.size() > static_cast<size_t>(opts.lines) ? events.size() - static_cast<size_t>(opts.lines) : 0;
  for (size_t i = from; i < events.size(); ++i) print_event(events[i], opts.json);
  std::fflush(stdout);
  if (opts.follow) return follow_events(ctx, opts, ids, offsets, opts.sel.empty(), failed);
  return combine_exit(failed, unmatched);
}

}  // namespace

Command add_events_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<EventsOptions>();
  CLI::App* sub = app.add_subcommand("events", "Show what the wrappers did (starts, restarts, stops), oldest first");
  add_selection_options(sub, opts->sel, true);
  sub->add_option("-n,--lines", opts->lines, "How many events to show (default 20)")->check(CLI::Range(0, 1000000));
  sub->add_flag("--json", opts->json, "One JSON object per line, as stored");
  sub->add_option("--since", opts->since, "Only events from this time on: a duration ago (10m) or a date-time");
  sub->add_option("--until", opts->until, "Only events up to this time");
  sub->add_flag("-f,--follow", opts->follow,
                "Then print each new event as it happens, until interrupted (also of tasks loaded meanwhile when no "
                "task is selected)");
  return {sub, [&ctx, opts] { return run_events(ctx, *opts); }};
}

}  // namespace spmi
