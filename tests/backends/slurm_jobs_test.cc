// The slurm backend's descriptor keys: validation at load, the spec round
// trip, the sbatch options they become, and reading squeue's lines.
#include <catch2/catch.hpp>

#include "backends/slurm.h"
#include "common/task_spec.h"
#include "manageables/load_helpers.h"

using namespace spmi;

using spmi::test::load_in_scratch;

TEST_CASE("slurm backend keys are validated and become sbatch options", "[slurm-unit]") {
  auto l = load_in_scratch("job.toml", R"([task]
id = "train"
[task.backend]
type = "slurm"
partition = "gpu"
time = "1d2h30m"
cpus = 4
mem = "1.5GiB"
nodes = 1
account = "lab"
qos = "normal"
constraint = "avx2&intel"
nodelist = "node[1-3],gpu7"
exclude = "node2"
extra_args = ["--gres=gpu:1", "--exclusive"]
[task.wrapper]
command = "python3 train.py"
)");
  INFO(l.all());
  REQUIRE(l.ok);
  const TaskSpec& s = l.spec("train");
  CHECK(s.backend == "slurm");
  CHECK(slurm_settings(s).time_ms == (26 * 60 + 30) * 60000LL);
  CHECK(slurm_settings(s).mem_bytes == 1536LL << 20);
  CHECK(sbatch_options(slurm_settings(s)) ==
        std::vector<std::string>{"--partition=gpu", "--time=1-02:30:00", "--cpus-per-task=4", "--mem=1536M",
                                 "--nodes=1", "--account=lab", "--qos=normal", "--constraint=avx2&intel",
                                 "--nodelist=node[1-3],gpu7", "--exclude=node2", "--no-requeue", "--gres=gpu:1",
                                 "--exclusive"});
  // The spec keeps every option.
  TaskSpec back;
  std::string err;
  REQUIRE(parse_spec(serialize_spec(s), &back, &err));
  CHECK(back.backend_options == s.backend_options);
  CHECK(sbatch_options(slurm_settings(back)) == sbatch_options(slurm_settings(s)));
  // A task without them gives sbatch only --no-requeue: spmi, not Slurm,
  // decides when a task runs again.
  CHECK(sbatch_options(SlurmSettings{}) == std::vector<std::string>{"--no-requeue"});
  SlurmSettings requeue;
  requeue.requeue = true;
  CHECK(sbatch_options(requeue) == std::vector<std::string>{"--requeue"});
}

TEST_CASE("slurm backend mistakes are reported with their position", "[slurm-unit]") {
  auto l = load_in_scratch("bad.toml", R"([task]
id = "x"
[task.backend]
type = "slurm"
time = "30s"
cpus = 0
mem = "lots"
partiton = "gpu"
account = ""
extra_args = ["--output=/tmp/o", "-Jname", "--gres=gpu:1", "--arr=1-3", 5, "--requeue"]
nodelist = "node1 node2"
requeue = "yes"
[task.wrapper]
command = "true"
)");
  std::string all = l.all();
  INFO(all);
  CHECK_FALSE(l.ok);
  CHECK(all.find("bad.toml:5:8: task.backend.time: Slurm counts time limits in minutes") != std::string::npos);
  CHECK(all.find("bad.toml:6:8: task.backend.cpus: expected a whole number from 1") != std::string::npos);
  CHECK(all.find("bad.toml:7:7: task.backend.mem:") != std::string::npos);
  CHECK(all.find("unknown key 'task.backend.partiton'") != std::string::npos);
  CHECK(all.find("bad.toml:9:11: task.backend.account: expected a non-empty name") != std::string::npos);
  CHECK(all.find("'--output=/tmp/o': spmi sets --output itself") != std::string::npos);
  CHECK(all.find("'-Jname': spmi sets -J (--job-name) itself") != std::string::npos);
  CHECK(all.find("'--arr=1-3': spmi sets --array itself") != std::string::npos);
  CHECK(all.find("task.backend.extra_args: expected strings, got") != std::string::npos);
  CHECK(all.find("'--requeue': use the requeue key (requeue = true or false)") != std::string::npos);
  CHECK(all.find("bad.toml:11:12: task.backend.nodelist: expected a non-empty name without spaces") !=
        std::string::npos);
  CHECK(all.find("bad.toml:12:11: task.backend.requeue:") != std::string::npos);
  CHECK(all.find("--gres") == std::string::npos);
  // Slurm keys belong to the slurm backend only.
  l = load_in_scratch("native.toml", "[task]\nid = \"y\"\n[task.backend]\ntype = \"native\"\npartition = \"gpu\"\n"
                          "[task.wrapper]\ncommand = \"true\"\n");
  CHECK(l.all().find("task.backend.partition: only for type = \"slurm\"") != std::string::npos);
}

TEST_CASE("sbatch times round up to whole minutes", "[slurm-unit]") {
  CHECK(sbatch_time(60000) == "0-00:01:00");
  CHECK(sbatch_time(61000) == "0-00:02:00");
  CHECK(sbatch_time(90 * 60000) == "0-01:30:00");
  CHECK(sbatch_time(3LL * 86400000 + 3600000) == "3-01:00:00");
}

TEST_CASE("squeue lines are read", "[slurm-unit]") {
  std::string id;
  SlurmJob j = parse_squeue_line("12|PENDING|PartitionDown|n/a|0|", &id);
  CHECK(id == "12");
  CHECK(j.known);
  CHECK(j.state == "PENDING");
  CHECK(j.reason == "PartitionDown");
  CHECK(j.node.empty());
  CHECK(j.active());
  CHECK(j.describe() == "PENDING (PartitionDown)");
  // The exit status is a wait status: 97 << 8.
  j = parse_squeue_line("13|FAILED|NonZeroExitCode|node7|24832|", &id);
  CHECK_FALSE(j.active());
  CHECK(j.exit_code == 97);
  CHECK(j.describe() == "FAILED (exit 97)");
  j = parse_squeue_line("15|FAILED|JobLaunchFailure|node7|9|", &id);
  CHECK(j.exit_signal == 9);
  CHECK(j.describe() == "FAILED (signal 9)");
  j = parse_squeue_line("14|RUNNING|None|node7|0|", &id);
  CHECK(j.describe() == "RUNNING on node7");
  // A reason with spaces and commas stays whole.
  j = parse_squeue_line("16|PENDING|ReqNodeNotAvail, UnavailableNodes:node2|n/a|0|", &id);
  CHECK(j.reason == "ReqNodeNotAvail, UnavailableNodes:node2");
  j = parse_squeue_line("17|NODE_FAIL|NodeDown|node2|0|", &id);
  CHECK_FALSE(j.active());
  CHECK(j.describe() == "NODE_FAIL (NodeDown)");
  // Not a job line: an error message, a header, an empty line.
  CHECK_FALSE(parse_squeue_line("", &id).known);
  CHECK(id.empty());
  CHECK_FALSE(parse_squeue_line("slurm_load_jobs error: Invalid job id specified", &id).known);
  CHECK_FALSE(parse_squeue_line("JOBID|STATE|REASON|EXEC_HOST|EXIT_CODE|", &id).known);
}
