// End to end: spmi top driven for real in an 80x24 tmux pane on a private
// socket (send-keys, capture-pane): it shows the tasks, sorts, stops one
// with a key, and gives the terminal back when it quits; without a terminal
// it refuses.
#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>
#include <thread>

#include "e2e/harness.h"

using spmi::test::eventually;
using spmi::test::run_program;
using spmi::test::SpmiEnv;

namespace {

class TmuxPane {
 public:
  // Runs `command` in the pane; its exit code goes to exit_file().
  TmuxPane(const SpmiEnv& env, const std::string& command)
      : socket_(env.dir() + "/top.sock"), exit_file_(env.dir() + "/top.exit") {
    std::vector<std::string> args = {"tmux", "-S", socket_, "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24"};
    for (const std::string& e : env.environment())
      for (const char* key : {"SPMI_PATH=", "XDG_RUNTIME_DIR=", "SPMI_CGROUP_PARENT="})
        if (e.rfind(key, 0) == 0) {
          args.push_back("-e");
          args.push_back(e);
        }
    args.push_back(command + "; echo $? > " + exit_file_);
    int code = -1;
    run_program(args, &code);
    REQUIRE(code == 0);
    tmux({"set-option", "-g", "remain-on-exit", "on"});
  }
  ~TmuxPane() {
    std::string pid = tmux({"display-message", "-p", "#{pid}"});
    if (std::atoi(pid.c_str()) > 0) ::kill(std::atoi(pid.c_str()), SIGKILL);
  }
  std::string tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"tmux", "-S", socket_});
    return run_program(args);
  }
  std::string screen() const { return tmux({"capture-pane", "-p"}); }
  void keys(const std::string& k) const { tmux({"send-keys", k}); }
  bool shows(const std::string& text, int ms) const {
    return eventually(ms, [&] { return screen().find(text) != std::string::npos; });
  }
  // The command's exit code once it ended ("" before).
  std::string exit_code(int ms) const {
    std::string code;
    eventually(ms, [&] { return !(code = spmi::test::slurp(exit_file_)).empty(); });
    return code;
  }

 private:
  std::string socket_, exit_file_;
};

}  // namespace

TEST_CASE("top shows the tasks live, sorts, stops one with a key and quits cleanly", "[e2e][top]") {
  SpmiEnv env;
  std::string big = env.write("big.py",
                              "import time\nb = bytearray(80 * 1024 * 1024)\n"
                              "for i in range(0, len(b), 4096): b[i] = 1\nprint('ready', flush=True)\ntime.sleep(600)\n");
  REQUIRE(env.run({"load", env.task("zzz-big", "exec python3 " + big), env.task("aaa-small", "echo hello top; exec sleep 600"),
                   env.task("mmm-off", "true")})
              .exit_code == 0);
  REQUIRE(env.run({"start", "zzz-big|aaa-small"}).exit_code == 0);
  REQUIRE(eventually(10000, [&] { return spmi::test::slurp(env.spmi_path() + "/zzz-big/stdout.log") == "ready\n"; }));

  TmuxPane pane(env, std::string(SPMI_BIN) + " top --sort name");
  REQUIRE(pane.shows("spmi top", 5000));
  REQUIRE(pane.shows("zzz-big", 3000));
  std::string s = pane.screen();
  INFO(s);
  CHECK(s.find("3 tasks, 2 active - sort: name") != std::string::npos);
  CHECK(s.find("ID") != std::string::npos);
  CHECK(s.find("HEALTH") != std::string::npos);
  CHECK(s.find("aaa-small") < s.find("mmm-off"));
  CHECK(s.find("mmm-off") < s.find("zzz-big"));
  std::istringstream lines(s);
  for (std::string l; std::getline(lines, l);) CHECK(l.size() <= 80);

  // m: by memory, the 80 MiB task first.
  pane.keys("m");
  REQUIRE(pane.shows("sort: mem", 3000));
  s = pane.screen();
  INFO(s);
  CHECK(s.find("zzz-big") < s.find("aaa-small"));
  CHECK(s.find("zzz-big") < s.find("mmm-off"));

  // The cursor stays on its task when the order changes: aaa-small (the
  // first by name). j/k move it; l: its last output; Esc back.
  pane.keys("j");  // to mmm-off
  pane.keys("k");  // and back
  pane.keys("l");
  REQUIRE(pane.shows("last output of aaa-small", 3000));
  CHECK(pane.shows("hello top", 3000));
  pane.tmux({"send-keys", "Escape"});
  REQUIRE(pane.shows("RST", 3000));

  // x: stop the selected task.
  pane.keys("x");
  REQUIRE(eventually(10000, [&] { return env.state("aaa-small").phase == spmi::Phase::Exited; }));
  CHECK(pane.shows("stopped aaa-small", 5000));
  CHECK(env.state("zzz-big").phase == spmi::Phase::Running);

  // q: quits with 0, and the pane is back on its normal screen.
  pane.keys("q");
  CHECK(pane.exit_code(5000) == "0\n");
  CHECK(pane.screen().find("spmi top") == std::string::npos);
}

TEST_CASE("top quits on Ctrl-C and refuses without a terminal", "[e2e][top]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("t", "sleep 600")}).exit_code == 0);
  auto r = env.run({"top"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("spmi: top needs a terminal") != std::string::npos);

  TmuxPane pane(env, std::string(SPMI_BIN) + " top");
  REQUIRE(pane.shows("spmi top", 5000));
  pane.tmux({"send-keys", "C-c"});
  CHECK(pane.exit_code(5000) == "0\n");
  CHECK(pane.screen().find("spmi top") == std::string::npos);
}
