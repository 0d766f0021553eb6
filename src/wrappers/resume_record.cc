// See resume_record.h.
#include "wrappers/resume_record.h"

#include <cerrno>
#include <cstdlib>

namespace spmi {

namespace {

constexpr const char kVersion[] = "spmi-resume 1";

bool to_ll(const std::string& s, long long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end) return false;
  *out = v;
  return true;
}

}  // namespace

std::string serialize_resume(const ResumeRecord& r) {
  std::string out = std::string(kVersion) + "\n";
  auto num = [&out](const char* key, long long v) { out += std::string(key) + " " + std::to_string(v) + "\n"; };
  auto doc = [&out](const char* key, const std::string& text) {
    out += std::string(key) + " " + std::to_string(text.size()) + "\n" + text + "\n";
  };
  doc("spec", r.spec);
  doc("state", r.state);
  doc("identity", r.identity);
  std::string env;
  for (const std::string& e : r.env) env += e + '\0';
  doc("env", env);
  num("restarts", r.machine.restarts);
  num("runs", r.machine.runs);
  num("skipped", r.machine.skipped);
  num("run_started_ms", r.machine.run_started_ms);
  num("started_once", r.machine.started_once ? 1 : 0);
  num("oom_kills", r.oom_kills);
  num("out_sequence", r.out_sequence);
  num("err_sequence", r.err_sequence);
  num("out_dropped", r.out_dropped);
  num("err_dropped", r.err_dropped);
  num("lock_fd", r.lock_fd);
  num("signal_fd", r.signal_fd);
  num("control_fd", r.control_fd);
  num("events_fd", r.events_fd);
  num("log_fd", r.log_fd);
  num("out_read", r.out_read);
  num("err_read", r.err_read);
  num("out_dir", r.out_dir);
  num("out_file", r.out_file);
  num("err_dir", r.err_dir);
  num("err_file", r.err_file);
  for (int fd : r.close_fds) num("close_fd", fd);
  return out + "end 0\n";  // a record cut short is never taken for a whole one
}

bool parse_resume(const std::string& text, ResumeRecord* r, std::string* err) {
  *r = ResumeRecord{};
  size_t pos = 0;
  auto next_line = [&](std::string* line) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return false;
    *line = text.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string line;
  if (!next_line(&line) || line != kVersion) {
    *err = "not a resume record of this version (first line '" + line + "')";
    return false;
  }
  bool has_spec = false, has_state = false, has_lock = false, ended = false;
  while (pos < text.size() && !ended) {
    if (!next_line(&line)) {
      *err = "the resume record ends in the middle of a line";
      return false;
    }
    size_t sp = line.find(' ');
    std::string key = line.substr(0, sp), value = sp == std::string::npos ? "" : line.substr(sp + 1);
    long long v = 0;
    if (!to_ll(value, &v)) {
      *err = "resume record: '" + line + "' has no number";
      return false;
    }
    if (key == "spec" || key == "state" || key == "identity" || key == "env") {
      if (v < 0 || static_cast<size_t>(v) + 1 > text.size() - pos || text[pos + static_cast<size_t>(v)] != '\n') {
        *err = "resume record: the " + key + " is cut short";
        return false;
      }
      std::string body = text.substr(pos, static_cast<size_t>(v));
      if (key == "spec") has_spec = true, r->spec = std::move(body);
      else if (key == "state") has_state = true, r->state = std::move(body);
      else if (key == "identity") r->identity = std::move(body);
      else
        for (size_t at = 0, end; at < body.size(); at = end + 1) {
          end = body.find('\0', at);
          if (end == std::string::npos) end = body.size();
          r->env.push_back(body.substr(at, end - at));
        }
      pos += static_cast<size_t>(v) + 1;
      continue;
    }
    int i = static_cast<int>(v);
    if (key == "restarts") r->machine.restarts = i;
    else if (key == "runs") r->machine.runs = i;
    else if (key == "skipped") r->machine.skipped = i;
    else if (key == "run_started_ms") r->machine.run_started_ms = v;
    else if (key == "started_once") r->machine.started_once = v != 0;
    else if (key == "oom_kills") r->oom_kills = v;
    else if (key == "out_sequence") r->out_sequence = i;
    else if (key == "err_sequence") r->err_sequence = i;
    else if (key == "out_dropped") r->out_dropped = v;
    else if (key == "err_dropped") r->err_dropped = v;
    else if (key == "lock_fd") has_lock = (r->lock_fd = i) >= 0;
    else if (key == "signal_fd") r->signal_fd = i;
    else if (key == "control_fd") r->control_fd = i;
    else if (key == "events_fd") r->events_fd = i;
    else if (key == "log_fd") r->log_fd = i;
    else if (key == "out_read") r->out_read = i;
    else if (key == "err_read") r->err_read = i;
    else if (key == "out_dir") r->out_dir = i;
    else if (key == "out_file") r->out_file = i;
    else if (key == "err_dir") r->err_dir = i;
    else if (key == "err_file") r->err_file = i;
    else if (key == "close_fd") r->close_fds.push_back(i);
    else if (key == "end") ended = true;
    else {
      *err = "resume record: unknown key '" + key + "'";
      return false;
    }
  }
  if (!ended || pos != text.size()) {
    *err = "the resume record is cut short or runs on past its end";
    return false;
  }
  if (!has_spec || !has_state || !has_lock || r->signal_fd < 0 || r->control_fd < 0) {
    *err = "resume record: the spec, the state, the lock, the signalfd or the control FIFO is missing";
    return false;
  }
  return true;
}

}  // namespace spmi
