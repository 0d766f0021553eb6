// Helpers shared by the watchdog's end-to-end tests: descriptors, the
// `list --json` view of one task, and its events.
#pragma once

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "e2e/harness.h"

namespace spmi::test {

// A watchdog task running shell `command`, with extra [task.wrapper] lines.
inline std::string watchdog(const SpmiEnv& env, const std::string& id, const std::string& command,
                            const std::string& keys) {
  return env.task(id, command, "type = \"watchdog\"\n" + keys);
}

// The task's object from `spmi list --json` (null when absent).
inline nlohmann::json listed(const SpmiEnv& env, const std::string& id) {
  auto j = nlohmann::json::parse(env.run({"list", "--json"}).out);
  for (const auto& t : j["tasks"])
    if (t["id"] == id) return t;
  return nullptr;
}

// Every event of the task (`spmi events --json`), oldest first.
inline std::vector<nlohmann::json> events(const SpmiEnv& env, const std::string& id) {
  std::vector<nlohmann::json> out;
  std::istringstream in(env.run({"events", id, "--json", "-n", "1000"}).out);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

inline std::vector<std::string> event_names(const SpmiEnv& env, const std::string& id) {
  std::vector<std::string> names;
  for (const auto& e : events(env, id)) names.push_back(e["event"]);
  return names;
}

}  // namespace spmi::test
