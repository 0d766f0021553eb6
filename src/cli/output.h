// What every command shares: the exit codes, the command context (state
// directory, debug flag, colour), diagnostics on stderr, aligned tables.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "lifecycle/session.h"
#include "store/store.h"

namespace spmi {

// Documented in docs/sphinx/cli.rst. A failed task outranks an unmatched pattern.
enum ExitCode {
  kExitOk = 0,       // every selected task did what was asked
  kExitFailure = 1,  // some task failed or was refused; invalid descriptor
  kExitUsage = 2,    // bad flags, arguments or patterns
  kExitNoMatch = 3,  // a pattern matched no task (and nothing failed)
  kExitSystem = 4,   // the state directory or the system failed us
  kExitTimeout = 5,  // spmi wait / start --wait: the time ran out first
};

enum class Color { None, Green, Red, Yellow, Dim, Bold };

// Lifecycle messages on the terminal: lines on stdout, problems as
// "spmi: ..." on stderr (stdout flushed first, so the two keep their order
// on one pipe), debug lines with -d.
class PrintingReporter : public Reporter {
 public:
  PrintingReporter(const bool* debug, const bool* quiet) : debug_(debug), quiet_(quiet) {}
  void done(const std::string& line) override;
  void problem(const std::string& message) override;
  void debug(const std::string& message) override;
  // On a terminal (stderr) and without -q: one line, rewritten in place and
  // cleared before anything else is printed.
  void progress(const std::string& line) override;

 private:
  const bool* debug_;
  const bool* quiet_;  // -q: no done() lines
  int tty_ = -1;  // whether stderr is a terminal (-1: not asked yet)
  std::mutex mu_;
};

struct Context {
  Store store{""};
  bool debug = false;
  bool quiet = false;  // -q/--quiet
  mutable PrintingReporter reporter{&debug, &quiet};
  // What lifecycle operations need: this store, the real backends, the terminal.
  Session session() const { return {store, find_backend, reporter}; }
  bool color = false;  // colour on stdout (--color, or a TTY without NO_COLOR and TERM=dumb)
  // `spmi run ... -- CMD ARGS`: what follows the first "--", untouched by
  // option parsing (has_command_after_dashes tells whether there was one).
  bool has_command_after_dashes = false;
  std::vector<std::string> command_after_dashes;
};

// True when `stream` is a terminal, NO_COLOR is unset (or empty) and TERM
// is not "dumb" (--color=auto).
bool want_color(FILE* stream);

// "spmi: <message>" on stderr, stdout flushed first (the two keep their
// order on one pipe).
void print_error(const std::string& message);

// Ends the process with the command's exit code `rc`. What is still
// buffered for stdout is written first; when any of the output could not
// be written (a full disk, a closed descriptor), that is said on stderr and
// the exit code becomes 4 (over 0, 1 and 3), as coreutils' close_stdout
// does: a script must not take a lost `list --json` for an empty one. A
// reader that went away (EPIPE) is not an error. Then _exit, as mold does:
// the destructors of static objects (each CLI11 translation unit's
// validators) would only free memory the kernel takes back anyway. Under
// a sanitizer it calls exit(), so that the leak check still runs.
[[noreturn]] void finish_and_exit(int rc);
// "spmi: debug: <message>" on stderr when debugging.
void print_debug(const Context& ctx, const std::string& message);
// `text` wrapped in `c`'s escape codes when `enabled`.
std::string paint(const std::string& text, Color c, bool enabled);

struct Cell {
  std::string text;
  Color color = Color::None;
};

// The width of the terminal `stream` is, or 0 when it is not one (a pipe,
// a file: nothing is ever cut there).
size_t terminal_columns(FILE* stream);

// A table with a header row and left-aligned columns separated by two spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void add_row(std::vector<Cell> row);
  // Columns that may be cut (with "…") to fit a terminal; by default the last.
  void set_shrinkable(std::vector<size_t> columns) { shrinkable_ = std::move(columns); }
  // `max_width` > 0: the shrinkable columns, last first, are cut until each
  // line fits (never below 8 characters or the header's width).
  void print(FILE* out, bool color, size_t max_width = 0) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<Cell>> rows_;
  std::vector<size_t> shrinkable_;
};

// A --since/--until argument: a duration ago ("10m") or a date-time as in
// descriptors, in local time ("2026-11-21T08:00"). Prints the problem naming
// `flag` and returns false when it is neither.
bool parse_time_arg(const char* flag, const std::string& text, int64_t* ms);

// Combines per-task results into one exit code (failure > no-match > ok).
int combine_exit(bool any_failed, bool any_unmatched);

}  // namespace spmi
