// End to end against a real single-node Slurm cluster (scripts/slurm-cluster.sh,
// started by scripts/test.sh with MinJobAge=2s): submission, pending jobs and
// their reasons, output and exit codes, stop/kill through scancel, a regex
// start of five jobs, the final state after Slurm forgot the job, and connect.
// Without a cluster every test here fails, naming the script to run.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "e2e/harness.h"
#include "e2e/slurm_helpers.h"

using spmi::test::eventually;
using spmi::test::run_program;
using spmi::test::slurm_listed;
using spmi::test::slurm_task;
using spmi::test::slurp;
using spmi::test::SpmiEnv;

namespace {

void require_cluster() {
  int code = -1;
  std::string out = run_program({"scontrol", "ping"}, &code);
  INFO("the Slurm tests need a running cluster: scripts/slurm-cluster.sh start (scripts/test.sh does this); "
       "scontrol ping said: " + out);
  REQUIRE(code == 0);
  REQUIRE(out.find("UP") != std::string::npos);
}

// The job id in "submitted <id> (Slurm job N)".
std::string job_of(const std::string& out, const std::string& id) {
  std::smatch m;
  std::regex re("submitted " + id + " \\(Slurm job ([0-9]+)\\)");
  return std::regex_search(out, m, re) ? m[1].str() : "";
}

// `scontrol show job -o J` as one line ("" once Slurm forgot the job).
std::string scontrol_job(const std::string& job) {
  int code = -1;
  std::string out = run_program({"scontrol", "show", "job", "-o", job}, &code);
  return code == 0 ? out : "";
}

}  // namespace

TEST_CASE("slurm: a job runs the task, its output is captured, the task's exit code is recorded", "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  REQUIRE(env.run({"load", slurm_task(env, "calc", "echo out-$SLURM_JOB_ID-$SPMI_TASK_ID; sleep 2; exit 3",
                                      "mem = \"64MiB\"\ncpus = 1\n")})
              .exit_code == 0);
  auto r = env.run({"start", "calc", "--wait", "--for", "running", "--timeout", "60s"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::string job = job_of(r.out, "calc");
  REQUIRE_FALSE(job.empty());
  CHECK(r.out.find("calc: running") != std::string::npos);
  auto st = env.state("calc");
  CHECK(st.backend == "slurm");
  CHECK(st.backend_id == job);
  CHECK(st.phase == spmi::Phase::Running);
  CHECK_FALSE(st.host.empty());
  std::string status = env.run({"status", "calc"}).out;
  CHECK(status.find("Backend ID: " + job) != std::string::npos);
  CHECK(status.find("Host: " + st.host) != std::string::npos);
  // The job's resources reached sbatch.
  std::string info = scontrol_job(job);
  CHECK(info.find("JobName=spmi-calc") != std::string::npos);
  CHECK(info.find("TimeLimit=00:10:00") != std::string::npos);
  CHECK(info.find("MinMemoryNode=64M") != std::string::npos);
  REQUIRE(eventually(30000, [&] { return env.state("calc").phase == spmi::Phase::Exited; }));
  st = env.state("calc");
  CHECK(st.main_exited);
  CHECK(st.exit_code == 3);
  CHECK(slurp(env.spmi_path() + "/calc/stdout.log") == "out-" + job + "-calc\n");
  CHECK(slurm_listed(env, "calc")["exit"]["code"] == 3);
  // Slurm's own view: the job (the wrapper) succeeded; the 3 is the task's.
  info = scontrol_job(job);
  if (!info.empty()) CHECK(info.find("ExitCode=0:0") != std::string::npos);
}

TEST_CASE("slurm: stop ends a running job with its stop signal, a TERM-ignoring one by SIGKILL at the deadline, kill at once",
          "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  REQUIRE(env.run({"load", slurm_task(env, "polite", "echo up; exec sleep 300"),
                   slurm_task(env, "stubborn", "trap \"\" TERM; echo armed; while :; do sleep 0.2; done", "",
                              "stop_timeout = \"1s\"\n"),
                   slurm_task(env, "victim", "echo up; exec sleep 300")})
              .exit_code == 0);
  auto r = env.run({"start", "polite", "stubborn", "victim", "--wait", "--for", "running", "--timeout", "60s"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::string polite_job = env.state("polite").backend_id;
  REQUIRE(eventually(20000, [&] { return slurp(env.spmi_path() + "/stubborn/stdout.log").find("armed") != std::string::npos; }));

  auto t0 = std::chrono::steady_clock::now();
  r = env.run({"stop", "polite", "stubborn"});
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stopped polite (SIGTERM") != std::string::npos);
  CHECK(r.out.find("stopped stubborn (SIGKILL") != std::string::npos);
  CHECK(took >= 1000);  // the TERM-ignoring task had its stop_timeout
  CHECK(took < 15000);
  // scancel's SIGTERM reached the wrappers as a signal; it was a user's stop,
  // and `spmi resurrect` must leave both down.
  CHECK(env.state("polite").end_cause == spmi::EndCause::User);
  CHECK(env.state("stubborn").end_cause == spmi::EndCause::User);
  auto st = env.state("polite");
  CHECK(st.phase == spmi::Phase::Exited);
  CHECK(st.stop_request == "stop");
  CHECK(st.ended_by == SIGTERM);
  CHECK(st.exit_signal == SIGTERM);
  st = env.state("stubborn");
  CHECK(st.ended_by == SIGKILL);
  CHECK(env.run({"list", "polite"}).out.find("inactive") != std::string::npos);
  // The job itself ended once its wrapper did.
  CHECK(eventually(20000, [&] {
    std::string info = scontrol_job(polite_job);
    return info.empty() || info.find("JobState=COMPLETED") != std::string::npos;
  }));

  r = env.run({"kill", "victim"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("killed victim (SIGKILL") != std::string::npos);
  st = env.state("victim");
  CHECK(st.stop_request == "kill");
  CHECK(st.end_cause == spmi::EndCause::User);
  CHECK(st.exit_signal == SIGKILL);
  CHECK(env.run({"stop", "victim"}).err.find("not active; nothing to stop") != std::string::npos);
}

TEST_CASE("slurm: a pending job shows Slurm's reason, is not submitted twice, and stop cancels it", "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  REQUIRE(env.run({"load", slurm_task(env, "waiting", "echo never; sleep 100", "partition = \"held\"\n")}).exit_code == 0);
  auto r = env.run({"start", "waiting"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::string job = job_of(r.out, "waiting");
  REQUIRE_FALSE(job.empty());
  CHECK(env.state("waiting").phase == spmi::Phase::Queued);
  // Slurm fills in the reason at its next scheduling pass.
  CHECK(eventually(20000, [&] {
    return env.run({"list", "waiting"}).out.find("waiting  active  -    -    -    PENDING (PartitionDown)  slurm") !=
           std::string::npos;
  }));
  CHECK(env.run({"status", "waiting"}).out.find("Slurm: Slurm job " + job + ": PENDING (PartitionDown)") !=
        std::string::npos);
  auto j = slurm_listed(env, "waiting");
  CHECK(j["phase"] == "queued");
  CHECK(j["slurm"] == "Slurm job " + job + ": PENDING (PartitionDown)");
  r = env.run({"start", "waiting"});  // queued already: not submitted twice
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("already active (queued as Slurm job " + job + ")") != std::string::npos);
  CHECK(r.out.find("submitted") == std::string::npos);
  r = env.run({"connect", "--follow", "waiting"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("PENDING") != std::string::npos);
  // `start --wait` on a job that cannot run times out with the reason.
  r = env.run({"wait", "waiting", "--for", "running", "--timeout", "1s"});
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("queued") != std::string::npos);

  r = env.run({"stop", "waiting"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stopped waiting (Slurm job " + job + " cancelled") != std::string::npos);
  std::string info = scontrol_job(job);
  if (!info.empty()) CHECK(info.find("JobState=CANCELLED") != std::string::npos);
  auto st = env.state("waiting");
  CHECK(st.phase == spmi::Phase::Exited);
  CHECK(st.note.find("cancelled before the task started") != std::string::npos);
  CHECK(env.run({"list", "waiting"}).out.find("inactive  -    -    -    stopped before it started") != std::string::npos);
  CHECK(slurp(env.spmi_path() + "/waiting/stdout.log").empty());
}

TEST_CASE("slurm: a regex start submits five jobs, all run and are stopped by one pattern", "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  std::vector<std::string> args = {"load"};
  for (int i = 1; i <= 5; ++i)
    args.push_back(slurm_task(env, "sj_" + std::to_string(i), "echo I am $SPMI_TASK_ID; exec sleep 300"));
  REQUIRE(env.run(args).exit_code == 0);
  auto r = env.run({"start", "sj_.*"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::set<std::string> jobs;
  for (int i = 1; i <= 5; ++i) jobs.insert(job_of(r.out, "sj_" + std::to_string(i)));
  jobs.erase("");
  CHECK(jobs.size() == 5);
  r = env.run({"wait", "sj_.*", "--for", "running", "--timeout", "60s"});
  CHECK(r.exit_code == 0);
  for (int i = 1; i <= 5; ++i) {
    std::string id = "sj_" + std::to_string(i);
    CHECK(eventually(10000, [&] { return slurp(env.spmi_path() + "/" + id + "/stdout.log") == "I am " + id + "\n"; }));
  }
  r = env.run({"stop", "sj_.*"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  for (int i = 1; i <= 5; ++i) CHECK(r.out.find("stopped sj_" + std::to_string(i) + " (SIGTERM") != std::string::npos);
}

TEST_CASE("slurm: status after the job left Slurm's memory still shows the task's exit", "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  REQUIRE(env.run({"load", slurm_task(env, "brief", "echo done; exit 4")}).exit_code == 0);
  auto r = env.run({"start", "brief"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::string job = job_of(r.out, "brief");
  REQUIRE(eventually(30000, [&] { return env.state("brief").phase == spmi::Phase::Exited; }));
  // MinJobAge is 2 s in the test cluster; the controller purges a little later.
  INFO("Slurm still knows job " + job + " (start the cluster with SLURM_MIN_JOB_AGE=2)");
  REQUIRE(eventually(90000, [&] { return scontrol_job(job).empty(); }));
  auto status = env.run({"status", "brief"});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("Active: inactive") != std::string::npos);
  CHECK(status.out.find("Exit code: exit 4") != std::string::npos);
  CHECK(slurm_listed(env, "brief")["exit"]["code"] == 4);
  CHECK(env.run({"start", "brief", "--wait", "--for", "exited", "--timeout", "60s"}).exit_code == 0);
}

TEST_CASE("slurm: a job whose node cannot see the task directory fails to start, saying so", "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  // Held at submission (reason JobHeldUser); the spec is then moved away, as
  // if the compute node did not share $SPMI_PATH, and the job released.
  REQUIRE(env.run({"load", slurm_task(env, "blind", "echo hi", "extra_args = [\"--hold\"]\n")}).exit_code == 0);
  auto r = env.run({"start", "blind"});
  REQUIRE(r.exit_code == 0);
  std::string job = job_of(r.out, "blind");
  CHECK(env.run({"list", "blind"}).out.find("PENDING (JobHeldUser)") != std::string::npos);
  std::string spec = env.spmi_path() + "/blind/spec";
  std::filesystem::rename(spec, spec + ".away");
  int code = -1;
  run_program({"scontrol", "release", job}, &code);
  REQUIRE(code == 0);
  REQUIRE(eventually(30000, [&] { return scontrol_job(job).find("JobState=FAILED") != std::string::npos ||
                                         scontrol_job(job).empty(); }));
  std::filesystem::rename(spec + ".away", spec);
  auto status = env.run({"status", "blind"});
  INFO(status.out << status.err);
  CHECK(status.out.find("failed-to-start") != std::string::npos);
  CHECK(status.out.find("does not see " + env.spmi_path() + "/blind") != std::string::npos);
  // A failed start can be started again.
  r = env.run({"start", "blind"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(job_of(r.out, "blind").empty());
}

TEST_CASE("slurm: refusals at load and at start leave nothing behind", "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  auto r = env.run({"load", slurm_task(env, "bad", "true", "partition = \"nope\"\n")});
  REQUIRE(r.exit_code == 0);  // partitions are Slurm's to know
  std::string before = env.snapshot();
  r = env.run({"start", "bad"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("bad: failed to start: sbatch exited with code 1") != std::string::npos);
  CHECK(r.err.find("nvalid partition") != std::string::npos);
  CHECK(env.snapshot() == before);
  // No Slurm tools in PATH: named, nothing written.
  r = env.run_raw({"start", "bad"}, 60, {"PATH=/nonexistent"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("needs Slurm's client tools") != std::string::npos);
  CHECK(env.snapshot() == before);

  // The controller unreachable (a copy of the configuration with a dead port).
  const char* conf = std::getenv("SLURM_CONF");
  std::string text = slurp(conf ? conf : "/etc/slurm/slurm.conf");
  REQUIRE(text.find("SlurmctldHost=") != std::string::npos);
  text = std::regex_replace(text, std::regex("SlurmctldPort=[^\n]*\n"), "");
  std::string dead = env.write("dead.conf", text + "SlurmctldPort=9\n");
  r = env.run_raw({"start", "bad"}, 60, {"SLURM_CONF=" + dead});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Unable to contact slurm controller") != std::string::npos);
  CHECK(env.snapshot() == before);

  // A queued job whose controller cannot be asked stays active ("unknown"),
  // so it is not submitted a second time.
  REQUIRE(env.run({"load", slurm_task(env, "parked", "true", "partition = \"held\"\n")}).exit_code == 0);
  r = env.run({"start", "parked"});
  REQUIRE(r.exit_code == 0);
  auto status = env.run_raw({"status", "parked"}, 60, {"SLURM_CONF=" + dead});
  CHECK(status.out.find("Active: active") != std::string::npos);
  CHECK(status.out.find("unknown (squeue") != std::string::npos);
  r = env.run_raw({"start", "parked"}, 60, {"SLURM_CONF=" + dead});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("already active") != std::string::npos);
  CHECK(r.out.find("submitted") == std::string::npos);
  CHECK(env.run({"stop", "parked"}).exit_code == 0);
}

TEST_CASE("slurm: connect follows the output and forwards input, on the node itself or through srun", "[e2e][slurm]") {
  require_cluster();
  SpmiEnv env;
  REQUIRE(env.run({"load", slurm_task(env, "echoer", "echo ready; while read line; do echo got $line; done")}).exit_code == 0);
  REQUIRE(env.run({"start", "echoer", "--wait", "--for", "running", "--timeout", "60s"}).exit_code == 0);
  REQUIRE(eventually(10000, [&] { return slurp(env.spmi_path() + "/echoer/stdout.log") == "ready\n"; }));
  {
    spmi::test::PtySession term({SPMI_BIN, "connect", "echoer"}, env.environment({"TERM=xterm"}));
    REQUIRE(term.read_until("connected to echoer", 10000));
    term.type("one\n");
    CHECK(term.read_until("got one", 10000));
    term.type("\x04");
    CHECK(term.wait_exit(5000) == 0);
  }
  // As if the wrapper ran on another node: connect goes through
  // `srun --jobid J --overlap`, which runs `spmi connect` where the job is.
  std::string state_path = env.spmi_path() + "/echoer/state";
  std::string text = slurp(state_path);
  auto at = text.find("\nhost=");
  REQUIRE(at != std::string::npos);
  text.replace(at, text.find('\n', at + 1) - at, "\nhost=elsewhere");
  env.write("state.tmp", text);
  std::filesystem::rename(env.dir() + "/state.tmp", state_path);
  {
    spmi::test::PtySession term({SPMI_BIN, "connect", "echoer"}, env.environment({"TERM=xterm"}));
    bool connected = term.read_until("connected to echoer", 20000);
    INFO(term.output());
    CHECK(term.output().find("srun --jobid") != std::string::npos);
    REQUIRE(connected);
    term.type("two\n");
    CHECK(term.read_until("got two", 10000));
    term.type("\x04");
    CHECK(term.wait_exit(10000) == 0);
  }
  CHECK(slurp(env.spmi_path() + "/echoer/stdout.log") == "ready\ngot one\ngot two\n");
  CHECK(env.run({"stop", "echoer"}).exit_code == 0);
}
