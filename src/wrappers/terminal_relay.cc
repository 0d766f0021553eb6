// Pseudo-terminal relay between a task and the multiplexer window (see header).
#include "wrappers/terminal_relay.h"

#include <cerrno>
#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/clock.h"

namespace spmi {

bool TerminalRelay::open(bool mixed, std::string* err) {
  mixed_ = mixed;
  master_open_ = true;
  err_open_ = true;
  out_cr_ = err_cr_ = false;
  struct winsize ws {};
  bool have_size = ::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0;
  // On a restart the window is already raw: the task's new pty gets the
  // modes the window had before spmi touched it.
  if (!window_saved_) window_saved_ = ::tcgetattr(STDIN_FILENO, &window_modes_) == 0;
  struct termios modes = window_modes_;
  int m = -1, s = -1;
  if (::openpty(&m, &s, nullptr, window_saved_ ? &modes : nullptr, have_size ? &ws : nullptr) != 0) {
    *err = "cannot open a pseudo-terminal for the task: " + errno_text(errno);
    return false;
  }
  master_.reset(m);
  slave_.reset(s);
  ::fcntl(m, F_SETFD, FD_CLOEXEC);
  ::fcntl(s, F_SETFD, FD_CLOEXEC);
  if (!mixed_) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
      *err = "pipe: " + errno_text(errno);
      return false;
    }
    err_read_.reset(p[0]);
    err_write_.reset(p[1]);
  } else {
    err_open_ = false;
  }
  return true;
}

void TerminalRelay::after_fork() {
  slave_.reset();
  err_write_.reset();
  if (window_saved_) {
    // Raw window: every key goes to the task's pty, whose own line
    // discipline echoes, edits lines and turns ^C into SIGINT for the task.
    struct termios raw = window_modes_;
    ::cfmakeraw(&raw);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
  }
}

void TerminalRelay::set_sinks(LogWriter* stdout_log, LogWriter* stderr_log, int stdin_fifo) {
  stdout_log_ = stdout_log;
  stderr_log_ = stderr_log;
  stdin_fifo_ = stdin_fifo;
  fifo_open_ = stdin_fifo >= 0;
}

void TerminalRelay::restore_window() {
  if (window_saved_ && window_in_open_) ::tcsetattr(STDIN_FILENO, TCSANOW, &window_modes_);
}

void TerminalRelay::resize() {
  struct winsize ws {};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && master_.valid()) ::ioctl(master_.get(), TIOCSWINSZ, &ws);
}

void TerminalRelay::add_pollfds(std::vector<struct pollfd>* fds) const {
  fds->push_back({master_open_ ? master_.get() : -1, POLLIN, 0});
  fds->push_back({err_open_ ? err_read_.get() : -1, POLLIN, 0});
  fds->push_back({window_in_open_ ? STDIN_FILENO : -1, POLLIN, 0});
  fds->push_back({fifo_open_ ? stdin_fifo_ : -1, POLLIN, 0});
}

void TerminalRelay::to_window(const char* data, size_t n) {
  if (window_out_open_ && !write_all(STDOUT_FILENO, std::string_view(data, n))) window_out_open_ = false;
}

void TerminalRelay::copy_output(int from, LogWriter* log, bool* open_flag, bool* pending_cr) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) {
    // EIO on the master once no process holds the pty any more.
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) *open_flag = false;
    return;
  }
  to_window(buf, static_cast<size_t>(n));
  // The log gets "\n" where the terminal needed "\r\n".
  std::string text;
  text.reserve(static_cast<size_t>(n) + 1);
  for (ssize_t i = 0; i < n; ++i) {
    char c = buf[i];
    if (*pending_cr) {
      if (c != '\n') text += '\r';
      *pending_cr = false;
    }
    if (c == '\r') *pending_cr = true;
    else text += c;
  }
  if (log) log->write(text.data(), text.size());
}

void TerminalRelay::copy_input(int from, bool* open_flag) {
  char buf[4096];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) {
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) *open_flag = false;
    return;
  }
  if (master_open_) write_all(master_.get(), std::string_view(buf, static_cast<size_t>(n)));
}

void TerminalRelay::handle(const std::vector<struct pollfd>& fds) {
  // Same order as add_pollfds.
  const short ready = POLLIN | POLLHUP | POLLERR;
  if (fds[0].fd >= 0 && (fds[0].revents & ready)) copy_output(master_.get(), stdout_log_, &master_open_, &out_cr_);
  if (fds[1].fd >= 0 && (fds[1].revents & ready))
    copy_output(err_read_.get(), stderr_log_, &err_open_, &err_cr_);
  if (fds[2].fd >= 0 && (fds[2].revents & ready)) copy_input(STDIN_FILENO, &window_in_open_);
  if (fds[3].fd >= 0 && (fds[3].revents & ready)) copy_input(stdin_fifo_, &fifo_open_);
}

void TerminalRelay::drain(int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (master_open_ || err_open_) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) return;
    std::vector<struct pollfd> fds;
    add_pollfds(&fds);
    fds[2].fd = fds[3].fd = -1;  // output only
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) <= 0) return;
    handle(fds);
  }
  if (out_cr_ && stdout_log_) stdout_log_->write("\r", 1);
  if (err_cr_ && stderr_log_) stderr_log_->write("\r", 1);
  out_cr_ = err_cr_ = false;
}

}  // namespace spmi
