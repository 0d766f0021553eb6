// The spec and state kv files: round trips, and golden outputs that pin the
// on-disk bytes (state/schema.md is the contract; a change to the codecs
// must not change a byte of what older spmi versions and running wrappers
// read).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "common/task_spec.h"
#include "common/task_state.h"

using namespace spmi;

namespace {

// A spec with every field set away from its default.
TaskSpec full_spec() {
  TaskSpec s;
  s.id = "web";
  s.comment = "multi\nline";
  s.project = "shop";
  s.tags = {"front", "http"};
  s.backend = "slurm";
  s.backend_options = {{"slurm_partition", "debug"}, {"slurm_time_ms", "3600000"}, {"slurm_cpus", "2"},
                       {"slurm_mem_bytes", "1073741824"}, {"slurm_nodes", "1"},  {"slurm_account", "lab"},
                       {"slurm_qos", "normal"},      {"slurm_constraint", "ssd"}, {"slurm_arg", "--exclusive"}};
  s.wrapper = "watchdog";
  s.argv = {"printf", "%s\n", ""};
  s.mixed_stdout = true;
  s.stop_signal = 2;
  s.stop_timeout_ms = 1500;
  s.cwd = "/srv/web";
  s.env = {{"A", "1"}, {"B", "x=y"}};
  s.restart.mode = RestartMode::OnFailure;
  s.restart.success_exit_codes = {0, 42};
  s.restart.delay_ms = 250;
  s.restart.max_delay_ms = 8000;
  s.restart.reset_after_ms = 30000;
  s.restart.max_restarts = 9;
  s.restart.window_ms = 120000;
  s.restart.min_uptime_ms = 1000;
  s.ready_fd = 3;
  s.health.type = HealthType::Http;
  s.health.host = "127.0.0.1";
  s.health.port = 8080;
  s.health.http_path = "/health?x=1";
  s.health.interval_ms = 2000;
  s.health.timeout_ms = 1000;
  s.health.start_period_ms = 5000;
  s.health.success_after = 2;
  s.health.failure_after = 4;
  s.health.restart_on_unhealthy = true;
  s.schedule.cron = "*/5 * * * *";
  s.schedule.timezone = "Europe/Paris";
  s.schedule.max_runtime_ms = 60000;
  s.schedule.not_before_ms = 1790000000000;
  s.schedule.not_after_ms = 1800000000000;
  s.max_memory_bytes = 512LL << 20;
  s.logs.max_size = 4096;
  s.logs.rotate = LogRotate::Daily;
  s.logs.keep = 3;
  s.logs.compress = true;
  s.logs.timestamps = true;
  s.logs.stdout_path = "/var/log/web.out";
  s.logs.stderr_path = "/var/log/web.err";
  s.process.env_file = "/srv/web/.env";
  s.process.inherit_env = false;
  s.process.user = "www-data";
  s.process.group = "www-data";
  s.process.umask = 027;
  s.process.has_nice = true;
  s.process.nice = 5;
  s.process.limit_nofile = 1024;
  s.process.limit_nproc = kLimitInfinity;
  s.process.limit_core = 0;
  s.process.limit_memory = 1LL << 31;
  s.process.limit_cpu = 3600;
  s.depends_on = {"db", "cache"};
  s.start_when = "healthy";
  s.start_timeout_ms = 90000;
  s.autostart = true;
  s.source = "/srv/web/web.toml";
  s.loaded_at_ms = 1780000000000;
  return s;
}

// A state with every field set away from its default.
TaskState full_state() {
  TaskState st;
  st.run_id = "0123456789abcdef";
  st.phase = Phase::Draining;
  st.backend = "native";
  st.backend_id = "4241";
  st.host = "vm";
  st.boot_id = "8c5e3b8e-1111-2222-3333-444455556666";
  st.wrapper_pid = 4241;
  st.wrapper_start_ticks = 123456;
  st.pid = 4242;
  st.pid_start_ticks = 123457789012ULL;
  st.pgid = 4242;
  st.sid = 4242;
  st.started_at_ms = 1780000000000;
  st.finished_at_ms = 1780000005000;
  st.main_exited = true;
  st.exit_code = 3;
  st.exit_signal = 0;
  st.stop_request = "stop";
  st.ended_by = 15;
  st.end_cause = EndCause::Signal;
  st.error = "why\nnot";
  st.note = "a note";
  st.restarts = 2;
  st.next_start_at_ms = 1780000006000;
  st.health = HealthStatus::Unhealthy;
  st.health_failures = 3;
  st.health_detail = "HTTP 500";
  st.ready = true;
  st.ready_at_ms = 1780000001000;
  st.next_fire_at_ms = 1780000300000;
  st.last_fire_at_ms = 1780000000000;
  st.runs = 7;
  st.skipped = 1;
  st.log_error = "No space left on device";
  st.log_dropped_bytes = 4096;
  return st;
}

}  // namespace

TEST_CASE("serialize_spec writes the bytes older spmi versions and running wrappers read", "[spec][golden]") {
  const char* golden = R"(spmi-spec 1
id=web
manageable=task
comment=multi\nline
project=shop
tag=front
tag=http
backend=slurm
slurm_partition=debug
slurm_time_ms=3600000
slurm_cpus=2
slurm_mem_bytes=1073741824
slurm_nodes=1
slurm_account=lab
slurm_qos=normal
slurm_constraint=ssd
slurm_arg=--exclusive
wrapper=watchdog
arg=printf
arg=%s\n
arg=
mixed_stdout=1
stop_signal=2
stop_timeout_ms=1500
cwd=/srv/web
env=A=1
env=B=x=y
restart=on-failure
success_exit_code=0
success_exit_code=42
restart_delay_ms=250
restart_max_delay_ms=8000
restart_reset_after_ms=30000
max_restarts=9
restart_window_ms=120000
min_uptime_ms=1000
ready_fd=3
health=http
health_host=127.0.0.1
health_port=8080
health_http_path=/health?x=1
health_interval_ms=2000
health_timeout_ms=1000
health_start_period_ms=5000
health_success_after=2
health_failure_after=4
health_on_unhealthy=restart
schedule=*/5 * * * *
timezone=Europe/Paris
not_before_ms=1790000000000
not_after_ms=1800000000000
max_runtime_ms=60000
max_memory_bytes=536870912
log_max_size=4096
log_rotate=daily
log_keep=3
log_compress=1
log_timestamps=1
log_stdout=/var/log/web.out
log_stderr=/var/log/web.err
env_file=/srv/web/.env
inherit_env=0
user=www-data
group=www-data
umask=23
nice=5
limit_nofile=1024
limit_nproc=-1
limit_core=0
limit_memory=2147483648
limit_cpu=3600
depends_on=db
depends_on=cache
autostart=1
start_when=healthy
start_timeout_ms=90000
source=/srv/web/web.toml
loaded_at_ms=1780000000000
)";
  CHECK(serialize_spec(full_spec()) == golden);
  // And reads them back to the same spec.
  TaskSpec back;
  std::string err;
  REQUIRE(parse_spec(golden, &back, &err));
  CHECK(serialize_spec(back) == golden);
}

TEST_CASE("serialize_state writes the bytes older spmi versions read", "[state][golden]") {
  const char* golden = R"(spmi-state 1
run_id=0123456789abcdef
phase=draining
backend=native
backend_id=4241
host=vm
boot=8c5e3b8e-1111-2222-3333-444455556666
wrapper_pid=4241
wrapper_start_ticks=123456
pid=4242
pid_start_ticks=123457789012
pgid=4242
sid=4242
started_at_ms=1780000000000
finished_at_ms=1780000005000
main_exited=1
exit_code=3
exit_signal=0
stop_request=stop
ended_by=15
end_cause=signal
error=why\nnot
note=a note
restarts=2
next_start_at_ms=1780000006000
health=unhealthy
health_failures=3
health_detail=HTTP 500
ready=1
ready_at_ms=1780000001000
next_fire_at_ms=1780000300000
last_fire_at_ms=1780000000000
runs=7
skipped=1
log_error=No space left on device
log_dropped_bytes=4096
)";
  CHECK(serialize_state(full_state()) == golden);
  TaskState back;
  std::string err;
  REQUIRE(parse_state(golden, &back, &err));
  CHECK(serialize_state(back) == golden);
}

TEST_CASE("task spec and state survive serialization", "[spec][state]") {
  TaskSpec s;
  s.id = "web";
  s.comment = "multi\nline";
  s.argv = {"printf", "%s\n", ""};
  s.env = {{"A", "1"}, {"B", "x=y"}};
  s.stop_signal = 2;
  s.stop_timeout_ms = 1500;
  s.cwd = "/tmp";
  TaskSpec t;
  std::string err;
  REQUIRE(parse_spec(serialize_spec(s), &t, &err));
  CHECK(t.id == "web");
  CHECK(t.comment == s.comment);
  CHECK(t.argv == s.argv);
  CHECK_FALSE(t.uses_shell());
  CHECK(t.env == s.env);
  CHECK(t.stop_signal == 2);
  CHECK(t.stop_timeout_ms == 1500);
  CHECK(t.restart.mode == RestartMode::Never);  // the default wrapper's

  s.restart.mode = RestartMode::OnFailure;
  s.restart.success_exit_codes = {0, 42};
  s.restart.delay_ms = 250;
  s.restart.max_restarts = 9;
  REQUIRE(parse_spec(serialize_spec(s), &t, &err));
  CHECK(t.restart.mode == RestartMode::OnFailure);
  CHECK(t.restart.success_exit_codes == std::vector<int>{0, 42});
  CHECK(t.restart.delay_ms == 250);
  CHECK(t.restart.max_restarts == 9);
  CHECK(t.restart.window_ms == 60000);

  TaskState st;
  st.run_id = "abc";
  st.phase = Phase::Draining;
  st.pid = 42;
  st.pid_start_ticks = 123456789012ULL;
  st.exit_signal = 9;
  st.error = "why\nnot";
  TaskState u;
  REQUIRE(parse_state(serialize_state(st), &u, &err));
  CHECK(u.phase == Phase::Draining);
  CHECK(u.pid_start_ticks == 123456789012ULL);
  CHECK(u.error == st.error);
  CHECK_FALSE(parse_state("spmi-state 1\nphase=running\n", &u, &err));
}

TEST_CASE("every spec and state key is documented in state/schema.md", "[spec][state][docs]") {
  std::ifstream in(std::string(SPMI_SOURCE_DIR) + "/state/schema.md");
  std::stringstream schema;
  schema << in.rdbuf();
  REQUIRE(!schema.str().empty());
  std::vector<const char*> keys = spec_keys(), more = state_keys();
  keys.insert(keys.end(), more.begin(), more.end());
  REQUIRE(keys.size() > 90);
  for (const char* k : keys) {
    std::string key = "`" + std::string(k) + "`";
    INFO(key);
    CHECK(schema.str().find(key) != std::string::npos);
  }
  // The full records (with a shell command and command health checks as
  // the alternatives) write every key of the tables.
  TaskSpec shell = full_spec(), argv_check = full_spec();
  shell.argv.clear();
  shell.shell_command = "serve";
  shell.health.type = argv_check.health.type = HealthType::Command;
  shell.health.shell_command = "check";
  argv_check.health.argv = {"check", "-q"};
  // Keys added after the golden records were pinned.
  shell.cgroup.enabled = false;  // with limits it would not load; the spec file takes any mix
  shell.cgroup.memory_max = 256LL << 20;
  shell.cgroup.memory_swap_max = 0;
  shell.cgroup.cpu_max_millicores = 1500;
  shell.cgroup.pids_max = 64;
  shell.on_event.shell_command = "notify.sh";
  shell.on_event.events = {"gave-up", "unhealthy"};
  argv_check.on_event.argv = {"notify", "--loud"};
  argv_check.on_event.events = {"exited"};
  shell.control.stop.shell_command = "nginx -s quit";
  shell.control.reload_signal = 1;
  shell.schedule.action = ScheduleAction::Restart;
  shell.watch.paths = {"/srv/app/src"};
  shell.watch.ignore = {"*.log"};
  shell.instance_of = "web";
  shell.instance = 2;
  argv_check.control.stop.argv = {"pg_ctl", "stop"};
  argv_check.control.reload.argv = {"kill", "-HUP", "1"};
  shell.control.reload.shell_command = "";
  TaskSpec reload_shell = full_spec();
  reload_shell.control.reload.shell_command = "nginx -s reload";
  TaskState with_cgroup = full_state();
  with_cgroup.cgroup_mode = "none";
  with_cgroup.cgroups = {"/sys/fs/cgroup/memory/spmi/web-0123456789abcdef"};
  with_cgroup.cgroup_note = "no cgroup v1 hierarchy";
  with_cgroup.reloads = 2;
  with_cgroup.reloaded_at_ms = 1700000000000;
  with_cgroup.reload_error = "the reload_command failed: exit code 1";
  std::string both = serialize_spec(full_spec()) + serialize_spec(shell) + serialize_spec(argv_check) +
                     serialize_spec(reload_shell) + serialize_state(full_state()) + serialize_state(with_cgroup);
  for (const char* k : keys) {
    INFO(k);
    if (k[0] == '<') continue;  // <backend>_*: the backend's own keys (slurm_partition=... below)
    CHECK(both.find("\n" + std::string(k) + "=") != std::string::npos);
  }
  // And every key those records write, the backend's own included.
  std::istringstream lines(both);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("spmi-", 0) == 0) continue;  // a header
    std::string key = "`" + line.substr(0, line.find('=')) + "`";
    INFO(key);
    CHECK(schema.str().find(key) != std::string::npos);
  }
}

namespace {

// A spec with only the keys every spmi version wrote.
const std::string kMinimalSpec =
    "spmi-spec 1\nid=a\nmanageable=task\ncomment=\nbackend=native\nwrapper=default\nmixed_stdout=0\n"
    "stop_signal=15\nstop_timeout_ms=5000\ncwd=/\nshell=true\nsource=/x.toml\nloaded_at_ms=1\n";

std::string with(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string spec_error(const std::string& text) {
  TaskSpec s;
  std::string err;
  return parse_spec(text, &s, &err) ? "(parsed)" : err;
}

const std::string kMinimalState =
    "spmi-state 1\nrun_id=r\nphase=running\nbackend=native\nbackend_id=1\nwrapper_pid=1\nwrapper_start_ticks=2\n"
    "pid=3\npid_start_ticks=4\npgid=3\nsid=3\nstarted_at_ms=5\nfinished_at_ms=0\nmain_exited=0\nexit_code=-1\n"
    "exit_signal=0\nstop_request=\nended_by=0\nerror=\nnote=\n";

std::string state_error(const std::string& text) {
  TaskState s;
  std::string err;
  return parse_state(text, &s, &err) ? "(parsed)" : err;
}

}  // namespace

TEST_CASE("parse_spec: absent keys take their defaults, damaged files are refused saying which key",
          "[spec][golden]") {
  TaskSpec s;
  std::string err;
  REQUIRE(parse_spec(kMinimalSpec, &s, &err));
  CHECK(serialize_spec(s) ==
        "spmi-spec 1\nid=a\nmanageable=task\ncomment=\nbackend=native\nwrapper=default\nshell=true\nmixed_stdout=0\n"
        "stop_signal=15\nstop_timeout_ms=5000\ncwd=/\nrestart=never\nsuccess_exit_code=0\nrestart_delay_ms=1000\n"
        "restart_max_delay_ms=60000\nrestart_reset_after_ms=60000\nmax_restarts=5\nrestart_window_ms=60000\n"
        "log_max_size=10485760\nlog_rotate=size\nlog_keep=5\nlog_compress=0\nlog_timestamps=0\nsource=/x.toml\n"
        "loaded_at_ms=1\n");
  CHECK(spec_error(with(kMinimalSpec, "id=a\n", "")) == "missing 'id'");
  CHECK(spec_error(with(kMinimalSpec, "shell=true\n", "")) == "neither 'shell' nor 'arg' is present");
  CHECK(spec_error(kMinimalSpec + "restart=sometimes\n") == "unknown 'restart' value 'sometimes'");
  CHECK(spec_error(kMinimalSpec + "health=smoke\n") == "unknown 'health' value 'smoke'");
  CHECK(spec_error(kMinimalSpec + "log_rotate=weekly\n") == "unknown 'log_rotate' value 'weekly'");
  CHECK(spec_error(kMinimalSpec + "env=noequals\n") == "malformed 'env' entry");
  CHECK(spec_error(kMinimalSpec + "success_exit_code=x\n") == "'success_exit_code' is not a number");
  CHECK(spec_error(with(kMinimalSpec, "stop_signal=15", "stop_signal=x")) == "'stop_signal' is not a number");
  // An optional number that is not one keeps its default (as every version did).
  REQUIRE(parse_spec(kMinimalSpec + "restart_delay_ms=abc\nhealth_port=x\n", &s, &err));
  CHECK(s.restart.delay_ms == 1000);
}

TEST_CASE("parse_state: absent keys take their defaults, damaged files are refused saying which key",
          "[state][golden]") {
  TaskState s;
  std::string err;
  REQUIRE(parse_state(kMinimalState, &s, &err));
  CHECK(serialize_state(s) == kMinimalState +
                                  "restarts=0\nnext_start_at_ms=0\nhealth=\nhealth_failures=0\nhealth_detail=\nready=0\n"
                                  "ready_at_ms=0\nnext_fire_at_ms=0\nlast_fire_at_ms=0\nruns=0\nskipped=0\nlog_error=\n"
                                  "log_dropped_bytes=0\n");
  CHECK(state_error(with(kMinimalState, "run_id=r\n", "")) == "missing 'run_id'");
  CHECK(state_error(with(kMinimalState, "phase=running", "phase=dancing")) == "unknown 'phase' value 'dancing'");
  CHECK(state_error(with(kMinimalState, "\npid=3", "\npid=99999999")) == "'pid' is not a process id: 99999999");
  CHECK(state_error(with(kMinimalState, "wrapper_pid=1", "wrapper_pid=x")) == "'wrapper_pid' is not a number");
  CHECK(state_error(kMinimalState + "health=meh\n") == "unknown 'health' value 'meh'");
  REQUIRE(parse_state(kMinimalState + "restarts=x\nready=1\n", &s, &err));
  CHECK(s.restarts == 0);
  CHECK(s.ready);
}
