// The slurm backend's descriptor keys: validation at load, the spec round
// trip, the sbatch options they become, and reading `scontrol show job -o`.
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
                                 "--gres=gpu:1", "--exclusive"});
  // The spec keeps every option.
  TaskSpec back;
  std::string err;
  REQUIRE(parse_spec(serialize_spec(s), &back, &err));
  CHECK(back.backend_options == s.backend_options);
  CHECK(sbatch_options(slurm_settings(back)) == sbatch_options(slurm_settings(s)));
  // A task without them gives sbatch nothing extra.
  CHECK(sbatch_options(SlurmSettings{}).empty());
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
extra_args = ["--output=/tmp/o", "-Jname", "--gres=gpu:1", "--arr=1-3", 5]
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

TEST_CASE("scontrol show job -o lines are read", "[slurm-unit]") {
  SlurmJob j = parse_scontrol_job(
      "JobId=12 JobName=spmi-web UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nice=0 Account=(null) "
      "QOS=(null) JobState=PENDING Reason=PartitionDown Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 "
      "Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=00:10:00 Partition=held BatchHost=(null) "
      "Command=/tmp/a b/slurm.sh WorkDir=/\n");
  CHECK(j.known);
  CHECK(j.state == "PENDING");
  CHECK(j.reason == "PartitionDown");
  CHECK(j.node.empty());
  CHECK(j.active());
  CHECK(j.describe() == "PENDING (PartitionDown)");
  j = parse_scontrol_job("JobId=13 JobState=FAILED Reason=NonZeroExitCode ExitCode=97:0 BatchHost=node7");
  CHECK_FALSE(j.active());
  CHECK(j.exit_code == 97);
  CHECK(j.describe() == "FAILED (exit 97)");
  j = parse_scontrol_job("JobId=14 JobState=RUNNING Reason=None ExitCode=0:0 BatchHost=node7");
  CHECK(j.describe() == "RUNNING on node7");
  CHECK_FALSE(parse_scontrol_job("").known);
}
