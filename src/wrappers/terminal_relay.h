// The terminal relay: used when the wrapper runs inside a screen or tmux
// window. The task gets a pseudo-terminal of its own (so interactive
// programs see a terminal), and the wrapper copies
//   task pty output  -> the window and stdout.log  ("\r\n" stored as "\n")
//   task stderr pipe -> the window and stderr.log  (unless mixed_stdout)
//   window keyboard  -> the task pty               (the window is put in raw mode)
//   the stdin FIFO   -> the task pty               (scripts can still type into it)
// Window size changes (SIGWINCH) are passed on to the task's pty.
#pragma once

#include <poll.h>
#include <termios.h>

#include <string>
#include <vector>

#include "common/fd.h"
#include "wrappers/log_writer.h"

namespace spmi {

class TerminalRelay {
 public:
  ~TerminalRelay() { restore_window(); }

  // Opens the task's pty (size and modes copied from the window on fd 0),
  // and a pipe for stderr unless `mixed`; again for each run. False with
  // `err` on failure.
  bool open(bool mixed, std::string* err);
  // The descriptors the child uses for stdin/stdout/stderr.
  int child_in() const { return slave_.get(); }
  int child_out() const { return slave_.get(); }
  int child_err() const { return mixed_ ? slave_.get() : err_write_.get(); }
  // In the parent after fork: closes the child's ends, puts the window in raw mode.
  void after_fork();
  // Sets where output is logged and where extra input comes from.
  void set_sinks(LogWriter* stdout_log, LogWriter* stderr_log, int stdin_fifo);

  // Appends the descriptors to poll; `handle` then services what is ready.
  void add_pollfds(std::vector<struct pollfd>* fds) const;
  void handle(const std::vector<struct pollfd>& fds);
  // After the task ended: copies its remaining output until its pty and
  // stderr pipe report closed (nothing else can hold them then), waiting at
  // most `timeout_ms`. A pty hands data to its master asynchronously, so
  // "the process exited" does not yet mean "its output is readable".
  void drain(int timeout_ms);
  // Passes the window's new size to the task's pty.
  void resize();
  // Gives the window its modes back.
  void restore_window();

 private:
  void copy_output(int from, LogWriter* log, bool* open_flag, bool* pending_cr);
  void copy_input(int from, bool* open_flag);
  void to_window(const char* data, size_t n);

  bool mixed_ = false;
  Fd master_, slave_, err_read_, err_write_;
  LogWriter* stdout_log_ = nullptr;
  LogWriter* stderr_log_ = nullptr;
  int stdin_fifo_ = -1;
  bool master_open_ = true, err_open_ = true, window_in_open_ = true, window_out_open_ = true, fifo_open_ = true;
  bool out_cr_ = false, err_cr_ = false;
  bool window_saved_ = false;
  struct termios window_modes_ {};
};

}  // namespace spmi
