// spmi top [patterns] [-p P] [--tag T] [--sort cpu|mem|name]: a live view of
// the tasks in the terminal, one line each (state, CPU%, memory, restarts,
// uptime, health), refreshed every second, with keys to move, sort, start,
// stop, restart and read a task's last output lines. Reads what list reads;
// acts by running this spmi's own start/stop/restart. The terminal is put
// back (cooked mode, main screen, cursor) on every way out: q, Ctrl-C,
// SIGTERM, SIGHUP.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/view_format.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/fd.h"
#include "store/usage.h"

namespace spmi {

namespace {

enum class SortBy { Cpu, Memory, Name };

struct TopOptions {
  Selection sel;
  std::string sort = "cpu";
  int interval_ms = 1000;
};

// The terminal in raw mode on the alternate screen, restored when it goes.
class Screen {
 public:
  bool enter(std::string* err) {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) {
      *err = std::string("cannot read the terminal's settings: ") + std::strerror(errno);
      return false;
    }
    struct termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
      *err = std::string("cannot set the terminal to raw mode: ") + std::strerror(errno);
      return false;
    }
    active_ = true;
    write_all(STDOUT_FILENO, "\033[?1049h\033[?25l\033[H\033[2J");
    return true;
  }
  ~Screen() { leave(); }
  void leave() {
    if (!active_) return;
    write_all(STDOUT_FILENO, "\033[?25h\033[?1049l");
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    active_ = false;
  }

 private:
  struct termios saved_ {};
  bool active_ = false;
};

struct Size {
  int rows = 24, cols = 80;
};

Size terminal_size() {
  struct winsize ws {};
  Size s;
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
    s.rows = ws.ws_row;
    s.cols = ws.ws_col;
  }
  return s;
}

// `text` cut or padded to `width` columns (ids and states are ASCII).
std::string fit(const std::string& text, size_t width) {
  if (text.size() > width) return width > 1 ? text.substr(0, width - 1) + "~" : text.substr(0, width);
  return text + std::string(width - text.size(), ' ');
}

struct Row {
  const TaskView* view;
  const TaskUsage* usage;
};

class Top {
 public:
  Top(Context& ctx, const TopOptions& opts) : ctx_(ctx), opts_(opts) {
    sort_ = opts.sort == "mem" ? SortBy::Memory : opts.sort == "name" ? SortBy::Name : SortBy::Cpu;
  }
  int run();

 private:
  void refresh();
  void draw();
  bool key(const std::string& input);  // false: quit
  void act(const char* verb, const char* doing);
  std::string selected_id() const;

  Context& ctx_;
  const TopOptions& opts_;
  SortBy sort_;
  std::vector<TaskView> views_;
  std::vector<TaskUsage> usage_;
  std::vector<Row> rows_;
  std::string selected_;  // the task under the cursor, by id
  bool logs_ = false;     // the log pane instead of the table
  std::string message_;   // the last action's outcome
};

void Top::refresh() {
  // The selection is resolved again each time: tasks loaded or cleaned
  // meanwhile come and go (stderr is /dev/null while the screen is up).
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = 0;
  select_tasks(ctx_, opts_.sel, &ids, &unmatched, &code, true);
  views_ = inspect_tasks(ctx_.store, ids);
  usage_ = sample_usage(ctx_.store, views_, UsageRequest{});
  rows_.clear();
  for (size_t i = 0; i < views_.size(); ++i) rows_.push_back({&views_[i], &usage_[i]});
  auto cpu = [](const Row& r) { return r.usage->sampled ? std::max(0.0, r.usage->cpu_percent) : -1.0; };
  auto mem = [](const Row& r) { return r.usage->sampled ? r.usage->rss_bytes : -1LL; };
  std::stable_sort(rows_.begin(), rows_.end(), [&](const Row& a, const Row& b) {
    switch (sort_) {
      case SortBy::Cpu:
        if (cpu(a) != cpu(b)) return cpu(a) > cpu(b);
        break;
      case SortBy::Memory:
        if (mem(a) != mem(b)) return mem(a) > mem(b);
        break;
      case SortBy::Name:
        break;
    }
    return a.view->id < b.view->id;
  });
  bool still = std::any_of(rows_.begin(), rows_.end(), [&](const Row& r) { return r.view->id == selected_; });
  if (!still) selected_ = rows_.empty() ? "" : rows_.front().view->id;
}

std::string Top::selected_id() const { return selected_; }

void Top::draw() {
  Size size = terminal_size();
  const size_t width = static_cast<size_t>(size.cols);
  std::vector<std::string> lines;
  int active = 0;
  for (const auto& v : views_) active += v.condition == TaskCondition::Active;
  const char* sort_name = sort_ == SortBy::Cpu ? "cpu" : sort_ == SortBy::Memory ? "mem" : "name";
  lines.push_back(fit("spmi top - " + format_local_time(now_ms()).substr(11) + " - " + std::to_string(views_.size()) +
                      " tasks, " + std::to_string(active) + " active - sort: " + sort_name,
                  width));
  // Columns: the fixed ones, then ID takes what is left (at least 8).
  const size_t fixed = 15 + 8 + 7 + 8 + 4 + 10 + 9 + 7;  // state pid cpu mem restarts uptime health + gaps
  size_t id_width = 8;
  for (const auto& v : views_) id_width = std::max(id_width, v.id.size());
  id_width = std::max<size_t>(8, std::min(id_width, width > fixed + 8 ? width - fixed : 8));
  auto row_text = [&](const std::string& id, const std::string& state, const std::string& pid, const std::string& cpu,
                      const std::string& mem, const std::string& restarts, const std::string& uptime,
                      const std::string& health) {
    return fit(id, id_width) + " " + fit(state, 15) + " " + fit(pid, 7) + " " + fit(cpu, 6) + " " + fit(mem, 7) +
           " " + fit(restarts, 3) + " " + fit(uptime, 9) + " " + health;
  };
  lines.push_back("\033[7m" + fit(row_text("ID", "STATE", "PID", "CPU", "MEM", "RST", "UPTIME", "HEALTH"), width) +
                  "\033[0m");
  const size_t footer = 2;
  size_t room = static_cast<size_t>(std::max(1, size.rows)) > lines.size() + footer
                    ? static_cast<size_t>(size.rows) - lines.size() - footer
                    : 1;
  if (logs_) {
    const TaskView* v = nullptr;
    for (const auto& r : rows_)
      if (r.view->id == selected_) v = r.view;
    lines.back() = "\033[7m" + fit("last output of " + selected_ + " (l or Esc: back)", width) + "\033[0m";
    if (v) {
      std::vector<std::string> out = tail_lines(stdout_path(*v), static_cast<int>(room));
      if (!v->spec.mixed_stdout) {
        for (auto& l : tail_lines(stderr_path(*v), static_cast<int>(room / 2))) out.push_back("stderr: " + l);
        if (out.size() > room) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(room));
      }
      for (auto& l : out) {
        for (char& c : l)
          if (static_cast<unsigned char>(c) < 32) c = ' ';  // no escape sequences from the task's output
        lines.push_back(fit(l, width));
      }
    }
  } else {
    // Scroll so that the selected row is visible.
    size_t at = 0;
    for (size_t i = 0; i < rows_.size(); ++i)
      if (rows_[i].view->id == selected_) at = i;
    size_t first = at >= room ? at - room + 1 : 0;
    int64_t now = now_ms();
    for (size_t i = first; i < rows_.size() && i < first + room; ++i) {
      const TaskView& v = *rows_[i].view;
      const TaskUsage& u = *rows_[i].usage;
      const TaskState& st = v.state;
      bool running = v.condition == TaskCondition::Active && v.has_state;
      std::string uptime = running && st.started_at_ms ? format_elapsed((now - st.started_at_ms) / 1000) : "-";
      std::string health = v.spec.health.type == HealthType::None ? "-"
                           : running                            ? health_status_name(st.health)
                                                                : "unknown";
      std::string state = condition_name(v.condition);
      if (running && st.phase != Phase::Running) state = phase_name(st.phase);
      std::string text = row_text(v.id, state, v.main_running ? std::to_string(st.pid) : "-", format_cpu_percent(u),
                                  u.sampled && u.processes > 0 ? format_memory_short(u.rss_bytes) : "-",
                                  v.has_state && st.restarts ? std::to_string(st.restarts) : "-", uptime, health);
      text = fit(text, width);
      if (v.id == selected_) text = "\033[7m" + text + "\033[0m";
      lines.push_back(text);
    }
    if (rows_.empty()) lines.push_back(fit("no tasks", width));
  }
  while (lines.size() + footer < static_cast<size_t>(size.rows)) lines.push_back(std::string(width, ' '));
  lines.push_back(fit(message_, width));
  lines.push_back("\033[7m" + fit("q quit  up/down move  c/m/n sort  s start  x stop  r restart  l output", width) +
                  "\033[0m");
  std::string frame = "\033[H";
  for (size_t i = 0; i < lines.size() && i < static_cast<size_t>(size.rows); ++i)
    frame += lines[i] + (i + 1 < static_cast<size_t>(size.rows) ? "\r\n" : "");
  write_all(STDOUT_FILENO, frame);
}

// Runs this spmi's `verb <id>` and shows the first line it printed.
void Top::act(const char* verb, const char* doing) {
  std::string id = selected_id();
  if (id.empty()) return;
  message_ = std::string(doing) + " " + id + "...";
  draw();
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    // A pattern that matches this id alone ('.' is the only character of
    // an id that means something in a regular expression).
    std::string pattern = "(?:";
    for (char ch : id) pattern += ch == '.' ? std::string("\\.") : std::string(1, ch);
    pattern += ")";
    const char* args[] = {"spmi", verb, pattern.c_str(), nullptr};
    ::execv("/proc/self/exe", const_cast<char* const*>(args));
    ::_exit(127);
  }
  ::close(p[1]);
  std::string out;
  if (pid > 0) {
    read_all(p[0], &out);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  ::close(p[0]);
  message_ = out.substr(0, out.find('\n'));
  if (message_.rfind("spmi: ", 0) == 0) message_ = message_.substr(6);
}

bool Top::key(const std::string& input) {
  size_t at = 0;
  auto move = [&](int by) {
    size_t i = 0;
    for (; i < rows_.size(); ++i)
      if (rows_[i].view->id == selected_) break;
    if (rows_.empty()) return;
    long next = std::clamp<long>(static_cast<long>(i) + by, 0, static_cast<long>(rows_.size()) - 1);
    selected_ = rows_[static_cast<size_t>(next)].view->id;
  };
  while (at < input.size()) {
    char c = input[at++];
    if (c == '\033') {
      // Arrows: ESC [ A/B or ESC O A/B; a lone Esc leaves the log pane.
      if (at + 1 < input.size() && (input[at] == '[' || input[at] == 'O')) {
        char arrow = input[at + 1];
        at += 2;
        if (arrow == 'A') move(-1);
        if (arrow == 'B') move(1);
      } else {
        logs_ = false;
      }
      continue;
    }
    switch (c) {
      case 'q':
      case 3:  // Ctrl-C (the terminal sends it as a byte in raw mode)
        return false;
      case 'k': move(-1); break;
      case 'j': move(1); break;
      case 'c': sort_ = SortBy::Cpu; break;
      case 'm': sort_ = SortBy::Memory; break;
      case 'n': sort_ = SortBy::Name; break;
      case 'l': logs_ = !logs_; break;
      case 's': act("start", "starting"); break;
      case 'x': act("stop", "stopping"); break;
      case 'r': act("restart", "restarting"); break;
      default: break;
    }
  }
  return true;
}

int Top::run() {
  if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO)) {
    print_error("top needs a terminal (stdin and stdout); in a script use 'spmi list' or 'spmi list --json'");
    return kExitUsage;
  }
  // The selection is checked once where its problems can be read.
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx_, opts_.sel, &ids, &unmatched, &code, true)) return code;
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGWINCH}) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  Fd signals(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  Screen screen;
  std::string err;
  if (!signals.valid() || !screen.enter(&err)) {
    print_error(err.empty() ? "signalfd: " + errno_text(errno) : err);
    return kExitSystem;
  }
  // Nothing may write over the screen: stderr goes nowhere until it is down.
  Fd saved_stderr(::dup(STDERR_FILENO));
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDERR_FILENO);
    ::close(devnull);
  }
  int64_t next = 0;
  int result = kExitOk;
  for (;;) {
    if (monotonic_ms() >= next) {
      refresh();
      next = monotonic_ms() + opts_.interval_ms;
    }
    draw();
    struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {signals.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::max<int64_t>(0, next - monotonic_ms())));
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && fds[1].revents) {
      struct signalfd_siginfo si;
      bool quit = false;
      while (::read(signals.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si))
        quit = quit || si.ssi_signo != SIGWINCH;  // a resize is simply drawn again
      if (quit) break;
    }
    if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR))) break;  // the terminal went away
    if (n > 0 && fds[0].revents & POLLIN) {
      char buf[64];
      ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
      if (got <= 0) break;
      if (!key(std::string(buf, static_cast<size_t>(got)))) break;
      next = 0;  // show the effect at once
    }
  }
  screen.leave();
  if (saved_stderr.valid()) ::dup2(saved_stderr.get(), STDERR_FILENO);
  return result;
}

}  // namespace

Command add_top_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<TopOptions>();
  CLI::App* sub = app.add_subcommand("top", "Watch the tasks live: CPU, memory, restarts, health; start, stop, restart");
  add_selection_options(sub, opts->sel, true);
  sub->add_option("--sort", opts->sort, "Order by cpu (default), mem or name")
      ->check(CLI::IsMember({"cpu", "mem", "name"}));
  sub->footer("Keys: up/down (or k/j) move, c/m/n sort by CPU, memory or name, s start, x stop, r restart,\n"
              "l the task's last output lines, q (or Ctrl-C) quit. Needs a terminal.");
  return {sub, [&ctx, opts] { return Top(ctx, *opts).run(); }};
}

}  // namespace spmi
