// The JSON result document of the task-changing commands (results.h).
#include "cli/results.h"

#include <algorithm>
#include <map>
#include <set>

#include "cli/view_format.h"
#include "cli/wait.h"
#include "store/task_view.h"

namespace spmi {

namespace {

// The id-shaped words of `text` ("started web (pid 12)" -> started, web, pid, 12).
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text) {
    bool id_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                   c == '.' || c == '-';
    if (id_char) {
      w += c;
      continue;
    }
    if (!w.empty()) out.push_back(w);
    w.clear();
  }
  if (!w.empty()) out.push_back(w);
  // "web." at the end of a sentence is web.
  for (auto& x : out)
    while (!x.empty() && x.back() == '.') x.pop_back();
  return out;
}

bool expected(const std::string& action, TaskCondition c) {
  if (action == "start" || action == "restart" || action == "run") return c == TaskCondition::Active;
  if (action == "stop" || action == "kill") return c != TaskCondition::Active;
  return true;
}

}  // namespace

void JsonResults::record(const std::string& text, bool problem) {
  std::lock_guard<std::mutex> hold(mu_);
  lines_.emplace_back(text, problem);
}

void JsonResults::done(const std::string& line) { record(line, false); }

void JsonResults::problem(const std::string& message) {
  record(message, true);
  print_error(message);
}

void JsonResults::add_waits(const std::vector<TaskWait>& waits) {
  for (const auto& w : waits) waits_[w.id] = wait_to_json(w);
}

void JsonResults::print(const std::vector<std::string>& ids, int exit_code, const nlohmann::json& extra) {
  std::vector<std::string> known;
  std::string err;
  ctx_.store.list_ids(&known, &err);
  std::sort(known.begin(), known.end());
  std::vector<std::string> order = ids;
  std::set<std::string> listed(ids.begin(), ids.end());
  std::map<std::string, nlohmann::json> messages;
  nlohmann::json loose = nlohmann::json::array();
  for (const auto& [text, problem] : lines_) {
    std::string owner;
    for (const auto& w : words(text))
      if (std::binary_search(known.begin(), known.end(), w)) {
        owner = w;
        break;
      }
    nlohmann::json m = {{"text", text}, {"problem", problem}};
    if (owner.empty()) {
      loose.push_back(m);
      continue;
    }
    if (listed.insert(owner).second) order.push_back(owner);
    messages[owner].push_back(m);
  }
  nlohmann::json tasks = nlohmann::json::array();
  bool all_ok = true;
  for (const auto& id : order) {
    nlohmann::json t = {{"id", id}};
    bool had_problem = false;
    for (const auto& m : messages[id]) had_problem = had_problem || m["problem"].get<bool>();
    if (ctx_.store.has_task(id)) {
      TaskView v = inspect_task(ctx_.store, id, false);
      t["condition"] = condition_name(v.condition);
      t["pid"] = v.main_running ? nlohmann::json(v.state.pid) : nlohmann::json(nullptr);
      t["ok"] = action_ == "apply" || action_ == "reload" ? !had_problem : expected(action_, v.condition);
    } else {
      t["condition"] = nullptr;  // removed (apply --prune) or never loaded
      t["pid"] = nullptr;
      t["ok"] = !had_problem;
    }
    t["messages"] = messages.count(id) ? messages[id] : nlohmann::json::array();
    if (waits_.contains(id)) {
      t["wait"] = waits_[id];
      t["ok"] = t["ok"].get<bool>() && waits_[id]["reached"].get<bool>();
    }
    all_ok = all_ok && t["ok"].get<bool>();
    tasks.push_back(std::move(t));
  }
  nlohmann::json out = extra.is_object() ? extra : nlohmann::json::object();
  out.update({{"schema", kJsonSchemaVersion},
              {"action", action_},
              {"exit_code", exit_code},
              {"ok", all_ok && exit_code == kExitOk},
              {"tasks", tasks},
              {"messages", loose}});
  print_json(out);
}

}  // namespace spmi
