// See resume_record.h.
#include "wrappers/resume_record.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <iterator>
#include <type_traits>

#include "common/kv_record.h"

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

// The numbers of the record, one row each: its key and its field (the
// member path, as in common/kv_record.h), written in this order.
struct Number {
  const char* key;
  long long (*get)(const ResumeRecord&);
  void (*set)(ResumeRecord&, long long);
};

template <class Path>
constexpr Number number(const char* key) {
  return {key, [](const ResumeRecord& r) { return static_cast<long long>(Path::in(r)); },
          [](ResumeRecord& r, long long v) {
            Path::in(r) = static_cast<std::remove_reference_t<decltype(Path::in(r))>>(v);
          }};
}

using kv::At;
using Snapshot = WrapperMachine::Snapshot;
constexpr Number kNumbers[] = {
    number<At<&ResumeRecord::machine, &Snapshot::restarts>>("restarts"),
    number<At<&ResumeRecord::machine, &Snapshot::runs>>("runs"),
    number<At<&ResumeRecord::machine, &Snapshot::skipped>>("skipped"),
    number<At<&ResumeRecord::machine, &Snapshot::run_started_ms>>("run_started_ms"),
    number<At<&ResumeRecord::machine, &Snapshot::started_once>>("started_once"),
    number<At<&ResumeRecord::oom_kills>>("oom_kills"),
    number<At<&ResumeRecord::out_sequence>>("out_sequence"),
    number<At<&ResumeRecord::err_sequence>>("err_sequence"),
    number<At<&ResumeRecord::out_dropped>>("out_dropped"),
    number<At<&ResumeRecord::err_dropped>>("err_dropped"),
    number<At<&ResumeRecord::lock_fd>>("lock_fd"),
    number<At<&ResumeRecord::signal_fd>>("signal_fd"),
    number<At<&ResumeRecord::control_fd>>("control_fd"),
    number<At<&ResumeRecord::events_fd>>("events_fd"),
    number<At<&ResumeRecord::log_fd>>("log_fd"),
    number<At<&ResumeRecord::out_read>>("out_read"),
    number<At<&ResumeRecord::err_read>>("err_read"),
    number<At<&ResumeRecord::out_dir>>("out_dir"),
    number<At<&ResumeRecord::out_file>>("out_file"),
    number<At<&ResumeRecord::err_dir>>("err_dir"),
    number<At<&ResumeRecord::err_file>>("err_file"),
};

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
  for (const Number& n : kNumbers) num(n.key, n.get(r));
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
  bool has_spec = false, has_state = false, ended = false;
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
      if (key == "spec")
        has_spec = true, r->spec = std::move(body);
      else if (key == "state")
        has_state = true, r->state = std::move(body);
      else if (key == "identity")
        r->identity = std::move(body);
      else
        for (size_t at = 0, end; at < body.size(); at = end + 1) {
          end = body.find('\0', at);
          if (end == std::string::npos) end = body.size();
          r->env.push_back(body.substr(at, end - at));
        }
      pos += static_cast<size_t>(v) + 1;
      continue;
    }
    const Number* n =
        std::find_if(std::begin(kNumbers), std::end(kNumbers), [&](const Number& f) { return key == f.key; });
    if (n != std::end(kNumbers))
      n->set(*r, v);
    else if (key == "close_fd")
      r->close_fds.push_back(static_cast<int>(v));
    else if (key == "end")
      ended = true;
    else {
      *err = "resume record: unknown key '" + key + "'";
      return false;
    }
  }
  if (!ended || pos != text.size()) {
    *err = "the resume record is cut short or runs on past its end";
    return false;
  }
  if (!has_spec || !has_state || r->lock_fd < 0 || r->signal_fd < 0 || r->control_fd < 0) {
    *err = "resume record: the spec, the state, the lock, the signalfd or the control FIFO is missing";
    return false;
  }
  return true;
}

}  // namespace spmi
