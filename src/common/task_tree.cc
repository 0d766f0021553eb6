// The task's recorded process tree (see task_tree.h).
#include "common/task_tree.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "common/fd.h"
#include "common/kv_file.h"

namespace spmi {

namespace {
constexpr const char* kKind = "spmi-tree";
constexpr int kVersion = 1;

bool is_dead(const ProcStat& p) { return p.state == 'Z' || p.state == 'X' || p.state == 'x'; }
}  // namespace

std::string serialize_tree(const TreeRecord& t) {
  KvFile kv(kKind, kVersion);
  kv.add("boot", t.boot_id);
  kv.add("run", t.run_id);
  for (const auto& [pid, ticks] : t.procs) kv.add("proc", std::to_string(pid) + " " + std::to_string(ticks));
  return kv.serialize();
}

bool parse_tree(const std::string& text, TreeRecord* t, std::string* err) {
  KvFile kv;
  if (!kv.parse(text, kKind, kVersion, err)) return false;
  *t = TreeRecord{};
  t->boot_id = kv.get("boot").value_or("");
  t->run_id = kv.get("run").value_or("");
  for (const auto& v : kv.get_all("proc")) {
    size_t sp = v.find(' ');
    long long pid = 0, ticks = 0;
    if (sp == std::string::npos || !parse_ll(std::string_view(v).substr(0, sp), &pid) ||
        !parse_ll(std::string_view(v).substr(sp + 1), &ticks) || pid <= 0 || pid > kMaxPid || ticks < 0) {
      *err = "proc: expected '<pid> <start ticks>', got '" + v + "'";
      return false;
    }
    t->procs.emplace_back(static_cast<pid_t>(pid), static_cast<unsigned long long>(ticks));
  }
  return true;
}

const std::string& boot_id() {
  static const std::string id = [] {
    if (const char* t = std::getenv("SPMI_TEST_BOOT_ID"); t && *t) return std::string(t);
    std::string text, err;
    if (!read_file("/proc/sys/kernel/random/boot_id", &text, &err)) return std::string();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }();
  return id;
}

bool same_boot(const TaskState& state) { return state.boot_id.empty() || state.boot_id == boot_id(); }

std::vector<ProcStat> find_task_members(const TaskState& st, const TreeRecord& tree) {
  std::vector<ProcStat> out;
  if (!same_boot(st) || (!st.boot_id.empty() && boot_id().empty())) return out;
  std::vector<ProcStat> all = list_processes();
  pid_t self = ::getpid();
  auto is_wrapper = [&](const ProcStat& p) { return p.pid == st.wrapper_pid && p.start_ticks == st.wrapper_start_ticks; };
  std::map<pid_t, const ProcStat*> by_pid;
  for (const ProcStat& p : all) by_pid[p.pid] = &p;
  std::vector<const ProcStat*> members;
  auto add = [&](const ProcStat* p) {
    if (!p || p->pid == self || is_dead(*p) || is_wrapper(*p)) return;
    if (std::find(members.begin(), members.end(), p) == members.end()) members.push_back(p);
  };
  auto recorded = [&](pid_t pid, unsigned long long ticks) {
    auto it = by_pid.find(pid);
    if (it != by_pid.end() && it->second->start_ticks == ticks) add(it->second);
  };
  // 1. Recorded identities, still the same processes.
  if (st.pid > 0) recorded(st.pid, st.pid_start_ticks);
  bool tree_ok = tree.run_id == st.run_id && (tree.boot_id.empty() || tree.boot_id == boot_id());
  if (tree_ok)
    for (const auto& [pid, ticks] : tree.procs) recorded(pid, ticks);
  // 3. The session and group, while a proven member holds them.
  size_t proven = members.size();
  bool sid_held = false, pgid_held = false;
  for (size_t i = 0; i < proven; ++i) {
    sid_held = sid_held || (st.sid > 0 && members[i]->sid == st.sid);
    pgid_held = pgid_held || (st.pgid > 0 && members[i]->pgid == st.pgid && members[i]->sid == st.sid);
  }
  // 4. This run's marker, in a process younger than the run's wrapper.
  std::string marker = st.run_id.empty() ? "" : "SPMI_RUN_ID=" + st.run_id;
  for (const ProcStat& p : all) {
    if ((sid_held && p.sid == st.sid) || (pgid_held && p.pgid == st.pgid)) add(&p);
    else if (!marker.empty() && p.start_ticks >= st.wrapper_start_ticks && st.wrapper_start_ticks > 0 &&
             environ_contains(p.pid, marker))
      add(&p);
  }
  // 2. Everything below a member (children keep their parent while it lives).
  for (size_t i = 0; i < members.size(); ++i)
    for (const ProcStat& p : all)
      if (p.ppid == members[i]->pid && p.start_ticks >= members[i]->start_ticks) add(&p);
  for (const ProcStat* p : members) out.push_back(*p);
  return out;
}

}  // namespace spmi
