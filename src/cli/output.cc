// Diagnostics, colour, table rendering and --since/--until times.
#include "cli/output.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "common/clock.h"
#include "common/duration.h"
#include "manageables/units.h"

namespace spmi {

bool want_color(FILE* stream) {
  const char* no = std::getenv("NO_COLOR");
  if (no && *no) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(::fileno(stream));
}

namespace {
// Whether a progress line is on the terminal (PrintingReporter::progress):
// every other line clears it first.
bool g_progress_shown = false;

void clear_progress_line() {
  if (!g_progress_shown) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  g_progress_shown = false;
}
}  // namespace

void print_error(const std::string& message) {
  clear_progress_line();
  std::fflush(stdout);
  std::fprintf(stderr, "spmi: %s\n", message.c_str());
}

void finish_and_exit(int rc) {
  clear_progress_line();
  errno = 0;
  int err = std::fflush(stdout) != 0 ? errno : 0;
  bool lost = err != 0 || std::ferror(stdout);  // (ferror alone: an earlier write failed)
  if (lost && err != EPIPE) {
    std::fprintf(stderr, "spmi: cannot write the output: %s\n",
                 err ? std::strerror(err) : "a write to stdout failed");
    if (rc == kExitOk || rc == kExitFailure || rc == kExitNoMatch) rc = kExitSystem;
  }
  std::fflush(stderr);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  std::exit(rc);
#else
  ::_exit(rc);
#endif
}

void print_debug(const Context& ctx, const std::string& message) { ctx.reporter.debug(message); }

void PrintingReporter::done(const std::string& line) {
  std::lock_guard<std::mutex> hold(mu_);
  clear_progress_line();
  if (!*quiet_) std::printf("%s\n", line.c_str());
}

void PrintingReporter::problem(const std::string& message) {
  std::lock_guard<std::mutex> hold(mu_);
  clear_progress_line();
  print_error(message);
}

void PrintingReporter::debug(const std::string& message) {
  std::lock_guard<std::mutex> hold(mu_);
  clear_progress_line();
  if (*debug_) std::fprintf(stderr, "spmi: debug: %s\n", message.c_str());
}

void PrintingReporter::progress(const std::string& line) {
  std::lock_guard<std::mutex> hold(mu_);
  if (tty_ < 0) tty_ = ::isatty(STDERR_FILENO) && !(std::getenv("TERM") && std::string_view(std::getenv("TERM")) == "dumb");
  if (!tty_ || *quiet_) return;
  if (line.empty()) {
    clear_progress_line();
    return;
  }
  std::fflush(stdout);
  size_t width = terminal_columns(stderr);
  std::string text = "spmi: " + line;
  if (width > 1 && text.size() >= width) text = text.substr(0, width - 2) + "\u2026";
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  g_progress_shown = true;
}

std::string paint(const std::string& text, Color c, bool enabled) {
  if (!enabled || c == Color::None) return text;
  const char* code = "";
  switch (c) {
    case Color::Green: code = "\033[32m"; break;
    case Color::Red: code = "\033[31m"; break;
    case Color::Yellow: code = "\033[33m"; break;
    case Color::Dim: code = "\033[2m"; break;
    case Color::Bold: code = "\033[1m"; break;
    case Color::None: break;
  }
  return std::string(code) + text + "\033[0m";
}

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::add_row(std::vector<Cell> row) { rows_.push_back(std::move(row)); }

static size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;  // count UTF-8 code points, not bytes
  return n;
}

// The first `width` code points of `s`, the last one "…" when cut.
static std::string cut_to(const std::string& s, size_t width) {
  if (display_width(s) <= width) return s;
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && n++ == width - 1) break;
    out += s[i];
  }
  return out + "\u2026";
}

size_t terminal_columns(FILE* stream) {
  struct winsize ws {};
  if (!::isatty(::fileno(stream))) return 0;
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  const char* columns = std::getenv("COLUMNS");
  long n = columns ? std::strtol(columns, nullptr, 10) : 0;
  return n > 0 ? static_cast<size_t>(n) : 80;
}

void Table::print(FILE* out, bool color, size_t max_width) const {
  std::vector<size_t> width(header_.size(), 0);
  for (size_t i = 0; i < header_.size(); ++i) width[i] = display_width(header_[i]);
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], display_width(row[i].text));
  std::vector<size_t> limit(width.size(), static_cast<size_t>(-1));
  if (max_width > 0 && !width.empty()) {
    size_t total = 2 * (width.size() - 1);
    for (size_t w : width) total += w;
    std::vector<size_t> order = shrinkable_;
    if (order.empty()) order.push_back(width.size() - 1);
    for (auto it = order.rbegin(); it != order.rend() && total > max_width; ++it) {
      size_t i = *it;
      if (i >= width.size()) continue;
      size_t floor = std::max<size_t>(8, display_width(header_[i]));
      if (width[i] <= floor) continue;
      size_t cut = std::min(width[i] - floor, total - max_width);
      width[i] -= cut;
      total -= cut;
      limit[i] = width[i];
    }
  }
  auto emit = [&](const std::vector<Cell>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      bool last = i + 1 == cells.size();
      std::string text = i < limit.size() ? cut_to(cells[i].text, limit[i]) : cells[i].text;
      line += paint(text, cells[i].color, color);
      if (!last) line += std::string(width[i] - display_width(text) + 2, ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  };
  std::vector<Cell> head;
  for (const auto& h : header_) head.push_back({h, Color::Bold});
  emit(head);
  for (const auto& row : rows_) emit(row);
}

int combine_exit(bool any_failed, bool any_unmatched) {
  if (any_failed) return kExitFailure;
  if (any_unmatched) return kExitNoMatch;
  return kExitOk;
}

bool parse_time_arg(const char* flag, const std::string& text, int64_t* ms) {
  int64_t ago = 0;
  std::string err;
  if (parse_duration(text, &ago, &err)) {
    *ms = now_ms() - ago;
    return true;
  }
  if (parse_date_time(text, "", ms, &err)) return true;
  print_error(std::string(flag) + ": '" + text + "' is neither a duration (\"10m\") nor a date-time (\"2026-11-21T08:00\")");
  return false;
}

}  // namespace spmi
