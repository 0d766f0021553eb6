// Helpers shared by the Slurm end-to-end tests (one node: slurm_e2e_test.cc,
// two nodes: slurm_nodes_e2e_test.cc).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "e2e/harness.h"

namespace spmi::test {

// A slurm task descriptor running shell `command` (10 minutes' time limit);
// `backend_keys` and `wrapper_keys` are extra [task.backend] and
// [task.wrapper] lines.
inline std::string slurm_task(const SpmiEnv& env, const std::string& id, const std::string& command,
                              const std::string& backend_keys = "", const std::string& wrapper_keys = "") {
  return env.write(id + ".toml", "[task]\nid = \"" + id + "\"\n[task.backend]\ntype = \"slurm\"\ntime = \"10m\"\n" +
                                     backend_keys + "[task.wrapper]\ncommand = '" + command + "'\n" + wrapper_keys);
}

// Task `id` from `spmi list <id> --json`.
inline nlohmann::json slurm_listed(const SpmiEnv& env, const std::string& id) {
  return nlohmann::json::parse(env.run({"list", id, "--json"}).out)["tasks"].at(0);
}

}  // namespace spmi::test
