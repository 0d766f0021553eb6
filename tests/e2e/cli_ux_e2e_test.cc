// End to end: what a person at a terminal meets first. Help (bare `spmi`,
// `spmi help CMD`), "did you mean" for commands, options and descriptor
// keys, errors that start with "spmi:", -q, --color and TERM=dumb, tables
// cut to an 80-column terminal (never on a pipe).
#include <catch2/catch.hpp>

#include "e2e/harness.h"

using spmi::test::PtySession;
using spmi::test::SpmiEnv;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("bare spmi and spmi help print a short help, spmi help CMD the command's", "[e2e][help]") {
  SpmiEnv env;
  auto bare = env.run({});
  CHECK(bare.exit_code == 0);
  INFO(bare.out);
  CHECK(has(bare.out, "Commands:"));
  for (const char* line : {"  start      Start inactive tasks", "  list       List loaded tasks", "  schema     "})
    CHECK(has(bare.out, line));
  CHECK(has(bare.out, "man spmi"));
  CHECK(has(bare.out, "5 timed out"));
  CHECK_FALSE(has(bare.err, "A subcommand is required"));
  CHECK(env.run({"help"}).out == bare.out);

  auto start = env.run({"help", "start"});
  CHECK(start.exit_code == 0);
  INFO(start.out);
  CHECK(has(start.out, "Usage: spmi start"));
  CHECK(has(start.out, "Examples:\n  spmi start 'web_.*'"));
  // The whole exit-code list, 5 included.
  for (const char* code : {"0 ok", "1 a task failed", "2 usage error", "3 a pattern matched no task", "4 system error",
                           "5 timed out"})
    CHECK(has(start.out, code));
  CHECK(env.run({"start", "--help"}).out == start.out);
  // Every command has examples under its --help.
  for (const char* cmd : {"load", "list", "stop", "kill", "restart", "clean", "status", "events", "connect", "wait",
                          "logs", "validate", "run", "graph", "apply", "resurrect", "export", "doctor", "top", "schema"}) {
    auto h = env.run({cmd, "--help"});
    INFO(cmd);
    CHECK(h.exit_code == 0);
    CHECK(has(h.out, "Examples:\n  spmi " + std::string(cmd)));
    CHECK(has(h.out, "5 timed out"));
  }
  auto unknown = env.run({"help", "lst"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "spmi: unknown command 'lst'; did you mean 'list'? ('spmi help' lists the commands)\n");
}

TEST_CASE("mistyped commands and options get the nearest name, every error starts with spmi:", "[e2e][help]") {
  SpmiEnv env;
  auto lst = env.run({"lst"});
  CHECK(lst.exit_code == 2);
  CHECK(lst.out.empty());
  CHECK(lst.err == "spmi: unknown command 'lst'; did you mean 'list'? ('spmi help' lists the commands)\n");
  auto far = env.run({"frobnicate"});
  CHECK(far.exit_code == 2);
  CHECK(far.err == "spmi: unknown command 'frobnicate' ('spmi help' lists the commands)\n");

  // A mistyped task id, project or tag.
  REQUIRE(env.run({"apply", env.write("shop.toml", "[project]\nname = \"shop\"\n[project.tasks.web]\ntags = [\"front\"]\n"
                                                   "[project.tasks.web.wrapper]\ncommand = \"sleep 1\"\n")}).exit_code == 0);
  auto id = env.run({"status", "wbe"});
  CHECK(id.exit_code == 3);
  CHECK(id.err == "spmi: no loaded task matches 'wbe'; did you mean 'web'?\n");
  CHECK(env.run({"status", "x[0-9]+"}).err == "spmi: no loaded task matches 'x[0-9]+'\n");  // a regex: no guess
  CHECK(has(env.run({"list", "-p", "shpo"}).err, "no loaded task belongs to project 'shpo'; did you mean 'shop'?"));
  CHECK(has(env.run({"list", "--tag", "fornt"}).err, "no loaded task has the tag 'fornt'; did you mean 'front'?"));
  auto help_help = env.run({"help", "help"});
  CHECK(help_help.exit_code == 0);
  CHECK(has(help_help.out, "Commands:"));
  CHECK(has(env.run({"__complete", "commands"}).out, "help\n"));

  auto opt = env.run({"list", "--jsn"});
  CHECK(opt.exit_code == 2);
  CHECK(opt.err == "spmi: list: unknown option '--jsn'; did you mean '--json'? (see 'spmi list --help')\n");
  auto q = env.run({"status", "-x", "web"});
  CHECK(q.exit_code == 2);
  CHECK(has(q.err, "spmi: status: unknown option '-x'"));
  // CLI11's own messages get the prefix and a pointer to the help too.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"load"}, {"top", "--sort", "colour"}, {"logs", "-n", "many", "x"},
        {"--color", "sometimes", "list"}}) {
    auto r = env.run(args);
    INFO(args[0] << " " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("spmi: ", 0) == 0);
    CHECK(has(r.err, "--help"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("descriptor mistakes: did-you-mean keys, watchdog-only keys, units, unlimited restarts", "[e2e][help]") {
  SpmiEnv env;
  auto typo = env.write("typo.toml", "[task]\nid = \"t\"\n[task.wrapper]\ncomand = \"sleep 1\"\n");
  auto r = env.run({"validate", typo});
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(has(r.err, "typo.toml:4:1: unknown key 'task.wrapper.comand'; did you mean 'command'?"));
  CHECK_FALSE(has(r.err, "allowed here"));  // the nearest key, not the whole list
  // The right key in the wrong table.
  auto misplaced = env.write("misplaced.yaml", "task:\n  id: m\n  stop_timeout: 5s\n  wrapper:\n    command: 'true'\n");
  r = env.run({"validate", misplaced});
  CHECK(has(r.err, "misplaced.yaml:3:3: unknown key 'task.stop_timeout'; 'stop_timeout' belongs in [task.wrapper]"));

  auto watchdog_only = env.write("plain.toml", "[task]\nid = \"p\"\n[task.wrapper]\ncommand = \"true\"\n"
                                               "schedule = \"@daily\"\nrestart = \"always\"\nmax_memory = \"1G\"\n");
  r = env.run({"load", watchdog_only});
  CHECK(r.exit_code == 1);
  for (const char* key : {"schedule", "restart", "max_memory"})
    CHECK(has(r.err, "task.wrapper." + std::string(key) + ": needs type = \"watchdog\" in [task.wrapper]"));
  CHECK(has(r.err, "plain.toml:5:1: task.wrapper.schedule"));  // in file order

  auto unit = env.write("unit.json", R"({"task": {"id": "u", "wrapper": {"command": "true", "stop_timeout": "5 seconds"}}})");
  r = env.run({"validate", unit});
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, "task.wrapper.stop_timeout: duration '5 seconds': unknown unit 'seconds' (use ms, s, m, h, d, e.g. \"5s\")"));

  // max_restarts = "unlimited" loads, is stored, and means it.
  auto forever = env.write("forever.toml", "[task]\nid = \"f\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"exit 3\"\n"
                                           "restart = \"on-failure\"\nmax_restarts = \"unlimited\"\nrestart_delay = \"0s\"\n"
                                           "restart_max_delay = \"100ms\"\n");
  REQUIRE(env.run({"load", forever}).exit_code == 0);
  REQUIRE(env.run({"start", "f"}).exit_code == 0);
  // With the default tolerance (5 within a minute) it would have given up by now.
  CHECK(spmi::test::eventually(20000, [&] { return env.state("f").restarts >= 8; }));
  CHECK(env.run({"list", "f"}).out.find("gave up") == std::string::npos);
  CHECK(env.run({"kill", "f"}).exit_code == 0);
  auto bad = env.write("bad.toml", "[task]\nid = \"b\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"true\"\n"
                                   "max_restarts = \"lots\"\n");
  CHECK(has(env.run({"validate", bad}).err,
            "task.wrapper.max_restarts: expected a whole number from 0 to 1000000 or \"unlimited\", got a string"));
}

TEST_CASE("quiet (-q) drops the per-task lines, problems still show", "[e2e][help]") {
  SpmiEnv env;
  auto a = env.task("qa", "sleep 60");
  auto r = env.run({"-q", "load", a});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  r = env.run({"start", "qa", "-q"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  r = env.run({"--quiet", "start", "qa"});  // already active: a note on stderr, still
  CHECK(r.out.empty());
  CHECK(has(r.err, "qa"));
  r = env.run({"stop", "-q", "qa"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  r = env.run({"stop", "qa"});
  CHECK(has(r.err + r.out, "qa"));
  CHECK(env.run({"clean", "-q", "qa"}).out.empty());
}

TEST_CASE("colour: --color=always|never|auto, NO_COLOR and TERM=dumb", "[e2e][help]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("c", "sleep 60")}).exit_code == 0);
  REQUIRE(env.run({"start", "c"}).exit_code == 0);
  // On a pipe: no colour unless asked.
  CHECK_FALSE(has(env.run({"list"}).out, "\033["));
  CHECK(has(env.run({"--color=always", "list"}).out, "\033[32mactive"));
  CHECK(has(env.run({"list", "--color", "always"}).out, "\033[32mactive"));
  // On a terminal: colour unless never, NO_COLOR or TERM=dumb.
  auto on_tty = [&](std::vector<std::string> args, std::vector<std::string> extra) {
    args.insert(args.begin(), SPMI_BIN);
    PtySession pty(args, env.environment(extra));
    CHECK(pty.read_until("BACKEND", 5000));
    pty.wait_exit(5000);
    pty.read_until("\n\n\n", 300);  // the rest of the output
    return pty.output();
  };
  CHECK(has(on_tty({"list"}, {"TERM=xterm"}), "\033[32mactive"));
  CHECK_FALSE(has(on_tty({"list"}, {"TERM=dumb"}), "\033["));
  CHECK_FALSE(has(on_tty({"--color=never", "list"}, {"TERM=xterm"}), "\033["));
  CHECK_FALSE(has(on_tty({"list"}, {"TERM=xterm", "NO_COLOR=1"}), "\033["));
  CHECK(env.run({"kill", "c"}).exit_code == 0);
}

TEST_CASE("tables fit an 80-column terminal, never cut on a pipe", "[e2e][help]") {
  SpmiEnv env;
  std::string comment(150, 'c');
  comment.replace(0, 7, "a long ");
  auto path = env.write("long.toml", "[task]\nid = \"long\"\ncomment = \"" + comment + "\"\n[task.wrapper]\ncommand = \"sleep 60\"\n");
  REQUIRE(env.run({"load", path}).exit_code == 0);
  // On a pipe every character of the comment is there.
  CHECK(has(env.run({"list"}).out, comment));
  PtySession pty({SPMI_BIN, "list"}, env.environment({"TERM=xterm"}), 80);
  REQUIRE(pty.read_until("\u2026", 5000));
  pty.wait_exit(5000);
  pty.read_until("\n\n\n", 300);
  std::string out = pty.output();
  INFO(out);
  size_t lines = 0;
  for (size_t start = 0; start < out.size();) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Display width: escape sequences and UTF-8 continuation bytes take no column.
    size_t width = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\033') {
        while (i < line.size() && line[i] != 'm') ++i;
        continue;
      }
      if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++width;
    }
    CHECK(width <= 80);
    lines += !line.empty();
    start = end + 1;
  }
  CHECK(lines == 2);
  CHECK(has(out, "a long c"));
  CHECK_FALSE(has(out, comment));
}

TEST_CASE("stdout and stderr keep their order on one pipe", "[e2e][help]") {
  SpmiEnv env;
  REQUIRE(env.run({"load", env.task("o1", "sleep 60"), env.task("o2", "sleep 60")}).exit_code == 0);
  REQUIRE(env.run({"start", "o2"}).exit_code == 0);
  // "cleaned o1" on stdout, then "o2: ... stop it" on stderr, both into one pipe.
  int code = 0;
  std::string both = spmi::test::run_program(
      {"/bin/sh", "-c", "env SPMI_PATH='" + env.spmi_path() + "' " + SPMI_BIN + " clean o1 o2 2>&1"}, &code);
  INFO(both);
  CHECK(code == 1);
  size_t cleaned = both.find("cleaned o1"), note = both.find("spmi: o2:");
  REQUIRE(cleaned != std::string::npos);
  REQUIRE(note != std::string::npos);
  CHECK(cleaned < note);
  CHECK(env.run({"kill", "o2"}).exit_code == 0);
}

TEST_CASE("a stop or a wait longer than a second shows one progress line on a terminal", "[e2e][help]") {
  SpmiEnv env;
  // Ignores SIGTERM: the stop waits out its 3 s stop_timeout.
  REQUIRE(env.run({"load", env.task("slow", "trap '' TERM; sleep 60 & wait", "stop_timeout = \"3s\"\n")}).exit_code == 0);
  REQUIRE(env.run({"start", "slow", "--wait", "--for", "running"}).exit_code == 0);
  {
    PtySession pty({SPMI_BIN, "stop", "slow"}, env.environment({"TERM=xterm"}));
    REQUIRE(pty.read_until("stopped slow", 15000));
    INFO(pty.output());
    CHECK(has(pty.output(), "\r\033[Kspmi: waiting for slow to stop; SIGKILL at "));
    CHECK(has(pty.output(), "(stop_timeout)"));
    // Cleared before the result line.
    CHECK(pty.output().find("\r\033[K", pty.output().find("waiting for slow")) < pty.output().find("stopped slow"));
    CHECK(pty.wait_exit(5000) == 0);
  }
  // On a pipe: no progress line.
  REQUIRE(env.run({"start", "slow", "--wait", "--for", "running"}).exit_code == 0);
  auto r = env.run({"stop", "slow"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(has(r.err, "waiting for"));
  CHECK_FALSE(has(r.err, "\r"));
  // A wait says what it waits for and until when.
  REQUIRE(env.run({"load", env.task("unready", "sleep 60", "type = \"watchdog\"\nready_fd = 3\n")}).exit_code == 0);
  PtySession pty({SPMI_BIN, "start", "unready", "--wait", "--timeout", "3s"}, env.environment({"TERM=xterm"}));
  REQUIRE(pty.read_until("timed out", 15000));
  INFO(pty.output());
  CHECK(has(pty.output(), "waiting for unready to be ready ("));
  CHECK(has(pty.output(), "; until "));
  CHECK(pty.wait_exit(5000) == 5);
  CHECK(env.run({"kill", "unready"}).exit_code == 0);
}
