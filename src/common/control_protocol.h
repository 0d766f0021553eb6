// The control FIFO's protocol, for both sides: `spmi` writes one byte per
// request into `<task dir>/control`, the wrapper reads them (as s6-svc talks
// to s6-supervise). state/schema.md documents the bytes; this is their one
// definition.
#pragma once

namespace spmi {

enum class ControlRequest : char {
  Stop = 's',       // stop signal to the tree, SIGKILL at stop_timeout
  Kill = 'k',       // SIGKILL to the tree at once
  Restart = 'r',    // stop, then start again in the same wrapper
  ClearLogs = 'c',  // empty the task's log files (spmi logs --clear)
  Reload = 'h',     // re-read the reloadable settings, then reload_signal or reload_command
};

// The request a byte stands for; false for a byte that is none.
inline bool control_request_from_byte(char byte, ControlRequest* out) {
  switch (byte) {
    case static_cast<char>(ControlRequest::Stop):
    case static_cast<char>(ControlRequest::Kill):
    case static_cast<char>(ControlRequest::Restart):
    case static_cast<char>(ControlRequest::ClearLogs):
    case static_cast<char>(ControlRequest::Reload):
      *out = static_cast<ControlRequest>(byte);
      return true;
  }
  return false;
}

}  // namespace spmi
