// The end-to-end harness: process spawning with captured output, scratch
// directories, and by-pid cleanup of everything the tests' tasks started.
#include "e2e/harness.h"

#include "common/cgroup.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "store/task_view.h"
#include "common/fd.h"
#include "common/proc.h"
#include "common/process_tree.h"

extern char** environ;

namespace spmi::test {

namespace fs = std::filesystem;

SpmiEnv::SpmiEnv() {
  char tmpl[] = "/tmp/spmi-test.XXXXXX";
  char* d = ::mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  dir_ = d;
  state_ = dir_ + "/state";
  screens_ = dir_ + "/screens";
  REQUIRE(::mkdir(screens_.c_str(), 0700) == 0);
  REQUIRE(::mkdir((dir_ + "/run").c_str(), 0700) == 0);
}

SpmiEnv::~SpmiEnv() {
  // Kill whatever the tests' tasks left running: wrappers first (so they do
  // not react), then every process of each task, all by pid + start time.
  Store store(state_);
  std::vector<std::string> ids;
  std::string err;
  store.list_ids(&ids, &err);
  for (const auto& id : ids) {
    TaskState st;
    bool present = false;
    if (!store.read_state(id, &st, &present, &err) || !present) continue;
    // A Slurm task's job, by its id (queued or running).
    if (st.backend == "slurm" && !st.backend_id.empty()) run_program({"scancel", st.backend_id});
    // Another host's pids (a wrapper on a node of the two-node cluster, in
    // its own PID namespace) name other processes here: its job and cgroup
    // (below) are how it ends.
    if (!st.host.empty() && st.host != spmi::host_name()) continue;
    ProcStat w;
    if (read_proc_stat(st.wrapper_pid, &w) && w.start_ticks == st.wrapper_start_ticks) signal_process(w, SIGKILL);
    for (int round = 0; round < 5; ++round) {
      auto left = find_leftovers(store.task_dir(id), st);
      if (left.empty()) break;
      for (const auto& p : left) signal_process(p, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // Then the multiplexer servers this test's tasks ran in, by pid: spmi's
  // tmux server on this test's socket, and the screen sessions in this
  // test's SCREENDIR (socket names start with the server's pid).
  if (fs::exists(tmux_socket())) {
    int code = 0;
    std::string pid = run_program({"tmux", "-S", tmux_socket(), "display-message", "-p", "#{pid}"}, &code);
    if (code == 0 && std::atoi(pid.c_str()) > 0) ::kill(std::atoi(pid.c_str()), SIGKILL);
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(screens_, ec)) {
    int pid = std::atoi(e.path().filename().c_str());
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  // This test's cgroups: the processes still in them (the kill of a
  // wrapper above leaves its cgroup behind), then the directories.
  for (const std::string& parent : cgroup_parent_dirs(cgroup_parent())) {
    for (const auto& e : fs::directory_iterator(parent, ec)) {
      if (!e.is_directory()) continue;
      TaskCgroup cg{"", {e.path().string()}};
      kill_cgroup(cg, 2000);
      std::string why;
      remove_cgroup(cg, &why);
    }
    ::rmdir(parent.c_str());
  }
  fs::remove_all(dir_, ec);
}

std::string SpmiEnv::cgroup_parent() const { return "spmi-test-" + fs::path(dir_).filename().string(); }

std::vector<std::string> SpmiEnv::environment(const std::vector<std::string>& extra) const {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string var = *e;
    if (var.rfind("SPMI_PATH=", 0) == 0 || var.rfind("NO_COLOR=", 0) == 0 || var.rfind("SCREENDIR=", 0) == 0 ||
        var.rfind("XDG_RUNTIME_DIR=", 0) == 0 || var.rfind("SPMI_CGROUP_PARENT=", 0) == 0 ||
        var.rfind("TMUX=", 0) == 0 || var.rfind("STY=", 0) == 0)
      continue;
    bool overridden = false;
    for (const auto& x : extra) overridden = overridden || var.substr(0, var.find('=') + 1) == x.substr(0, x.find('=') + 1);
    if (!overridden) env.push_back(var);
  }
  // Ours unless `extra` names its own (the first of two entries would win).
  auto given = [&](const char* prefix) {
    for (const auto& x : extra)
      if (x.rfind(prefix, 0) == 0) return true;
    return false;
  };
  if (!given("SPMI_PATH=")) env.push_back("SPMI_PATH=" + state_);
  if (!given("SCREENDIR=")) env.push_back("SCREENDIR=" + screens_);
  // The CPU sample cache (store/cpu_samples.h) goes here, never to the
  // user's runtime directory or /tmp/spmi-<uid>.
  if (!given("XDG_RUNTIME_DIR=")) env.push_back("XDG_RUNTIME_DIR=" + dir_ + "/run");
  if (!given("SPMI_CGROUP_PARENT=")) env.push_back("SPMI_CGROUP_PARENT=" + cgroup_parent());
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

int free_port() {
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_in a {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  socklen_t len = sizeof a;
  ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string run_program(const std::vector<std::string>& argv, int* code) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return "";
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  Fd rd(out[0]);
  read_all(rd.get(), &text);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (code) *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return text;
}

RunResult SpmiEnv::run(const std::vector<std::string>& args, int timeout_s) const {
  RunResult r = run_raw(args, timeout_s);
  INFO("spmi " << (args.empty() ? "" : args[0]) << "\n" << r.err);
  REQUIRE(r.exit_code >= 0);
  return r;
}

RunResult SpmiEnv::run_raw(const std::vector<std::string>& args, int timeout_s,
                           const std::vector<std::string>& extra_env) const {
  RunResult r;
  int out[2], errp[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return r;
  if (::pipe2(errp, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return r;
  }
  // Build everything the child needs before fork: other threads may hold
  // allocator locks, so the child must not allocate.
  std::vector<char*> argv{const_cast<char*>(SPMI_BIN)};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = environment(extra_env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(errp[1], 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::execve(SPMI_BIN, argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(errp[1]);
  struct pollfd fds[2] = {{out[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int open_fds = 2;
  bool timed_out = false;
  while (open_fds > 0) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      timed_out = true;
      break;
    }
    if (::poll(fds, 2, left) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) {
    r.err += "\n(timed out after " + std::to_string(timeout_s) + "s)";
    r.exit_code = -1;
  } else {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return r;
}

bool skipped_without_root(const char* why) {
  if (::geteuid() == 0) return false;
  std::printf("SPMI-TEST-SKIPPED: needs root (%s)\n", why);
  std::fflush(stdout);
  WARN("skipped: needs root (" << why << ")");
  return true;
}

pid_t SpmiEnv::spawn(const std::vector<std::string>& args) const {
  std::vector<char*> argv{const_cast<char*>(SPMI_BIN)};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = environment();
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd <= 2; ++fd) ::dup2(devnull, fd);
    ::execve(SPMI_BIN, argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

std::string SpmiEnv::write(const std::string& name, const std::string& text) const {
  std::string path = dir_ + "/" + name;
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string SpmiEnv::task(const std::string& id, const std::string& command, const std::string& extra) const {
  std::string quoted;
  for (char c : command) {
    if (c == '\\' || c == '"') quoted += '\\';
    quoted += c;
  }
  // `extra` may name the wrapper type itself; "default" otherwise.
  std::string type = extra.rfind("type =", 0) == 0 ? "" : "type = \"default\"\n";
  return write(id + ".toml", "[task]\nid = \"" + id + "\"\ncomment = \"test task " + id +
                                 "\"\n[task.backend]\ntype = \"native\"\n[task.wrapper]\n" + type + "command = \"" +
                                 quoted + "\"\n" + extra);
}

TaskState SpmiEnv::state(const std::string& id) const {
  Store store(state_);
  TaskState st;
  bool present = false;
  std::string err;
  INFO(err);
  REQUIRE(store.read_state(id, &st, &present, &err));
  REQUIRE(present);
  return st;
}

std::string SpmiEnv::snapshot() const {
  std::vector<std::string> lines;
  std::error_code ec;
  if (!fs::exists(state_)) return "(no state directory)";
  for (auto it = fs::recursive_directory_iterator(state_, ec); it != fs::recursive_directory_iterator(); ++it) {
    // Not the empty lock files: the first command that locks a task makes
    // its cli.lock, the first wrapper its lock (state/schema.md), also
    // when what it then does is refused.
    std::string name = it->path().filename().string();
    if (it->is_regular_file() && (name == "cli.lock" || name == "lock")) continue;
    std::string line = it->path().string();
    if (it->is_regular_file()) {
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      line += " = " + ss.str();
    }
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

PtySession::PtySession(const std::vector<std::string>& argv, const std::vector<std::string>& env, int columns) {
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  struct winsize ws {};
  ws.ws_row = 40;
  ws.ws_col = static_cast<unsigned short>(columns);
  pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
}

PtySession::~PtySession() {
  if (pid_ > 0 && wait_exit(0) < 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (master_ >= 0) ::close(master_);
}

void PtySession::type(const std::string& keys) const { REQUIRE(write_all(master_, keys)); }

bool PtySession::read_until(const std::string& want, int ms) {
  return eventually(ms, [&] {
    char buf[4096];
    struct pollfd p = {master_, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      ssize_t n = ::read(master_, buf, sizeof buf);
      if (n <= 0) break;
      output_.append(buf, static_cast<size_t>(n));
    }
    return output_.find(want) != std::string::npos;
  });
}

int PtySession::wait_exit(int ms) {
  if (pid_ <= 0) return -1;
  int status = 0;
  bool done = eventually(ms, [&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; });
  if (!done) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool alive(pid_t pid) {
  ProcStat st;
  return read_proc_stat(pid, &st) && st.state != 'Z' && st.state != 'X';
}

bool eventually(int ms, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

std::vector<pid_t> read_pids(const std::string& path) {
  std::vector<pid_t> pids;
  std::ifstream in(path);
  long p;
  while (in >> p) pids.push_back(static_cast<pid_t>(p));
  return pids;
}

std::string yaml_alias_bomb() {
  std::string bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 9; ++i) bomb += (i ? ",*" : "*") + prev;
    bomb += "]\n";
  }
  return bomb;
}

long voluntary_switches(pid_t pid) {
  std::string text = slurp("/proc/" + std::to_string(pid) + "/status");
  size_t at = text.find("\nvoluntary_ctxt_switches:");
  return at == std::string::npos ? -1 : std::stol(text.substr(at + 25));
}

}  // namespace spmi::test
