// The `task` manageable: SPMI's schema plus spmi's additions, validated into
// a normalized TaskSpec.
//
//   [task]            id, comment
//   [task.backend]    type (+ the backend type's own keys)
//   [task.wrapper]    type, command, mixed_stdout, stop_signal, stop_timeout,
//                     cwd, env (the keys the wrapper type allows)
#include <algorithm>
#include <climits>
#include <cstdlib>

#include "backends/registry.h"
#include "common/atomic_file.h"
#include "common/clock.h"
#include "common/names.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

// Wrapper types and the keys their section allows. A new wrapper type is one
// entry here and one in src/wrappers/wrapper_main.cc.
struct WrapperType {
  const char* name;
  std::initializer_list<std::string_view> keys;
};
const WrapperType kWrapperTypes[] = {
    {"default", {"type", "command", "mixed_stdout", "stop_signal", "stop_timeout", "cwd", "env"}},
    {"watchdog",
     {"type", "command", "mixed_stdout", "stop_signal", "stop_timeout", "cwd", "env", "restart", "success_exit_codes",
      "restart_delay", "restart_max_delay", "restart_reset_after", "max_restarts", "restart_window"}},
};

// The watchdog's restart keys (defaults in TaskSpec, except restart itself:
// "on-failure" for a watchdog).
void build_restart(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  RestartSettings& r = spec->restart;
  r.mode = RestartMode::OnFailure;
  std::string mode;
  if (check.get_string(wrapper, where, "restart", false, &mode) && !restart_mode_from_name(mode, &r.mode))
    check.error(wrapper.find("restart")->pos,
                "task.wrapper.restart: unknown restart policy '" + mode + "' (known: never, on-failure, always)");
  if (const Node* codes = wrapper.find("success_exit_codes")) {
    if (codes->kind != Node::Kind::Array) {
      check.error(codes->pos, "task.wrapper.success_exit_codes: expected an array of exit codes, got " +
                                  describe_kind(*codes));
    } else {
      r.success_exit_codes.clear();
      for (const Node& c : codes->items) {
        if (c.kind != Node::Kind::Integer || c.integer < 0 || c.integer > 255)
          check.error(c.pos, "task.wrapper.success_exit_codes: expected exit codes from 0 to 255");
        else
          r.success_exit_codes.push_back(static_cast<int>(c.integer));
      }
    }
  }
  check.get_duration(wrapper, where, "restart_delay", &r.delay_ms);
  check.get_duration(wrapper, where, "restart_max_delay", &r.max_delay_ms);
  check.get_duration(wrapper, where, "restart_reset_after", &r.reset_after_ms);
  if (check.get_duration(wrapper, where, "restart_window", &r.window_ms) && r.window_ms <= 0)
    check.error(wrapper.find("restart_window")->pos, "task.wrapper.restart_window: must be longer than 0s");
  if (wrapper.find("restart_max_delay") && r.max_delay_ms < r.delay_ms)
    check.error(wrapper.find("restart_max_delay")->pos,
                "task.wrapper.restart_max_delay: must not be shorter than restart_delay");
  if (const Node* n = wrapper.find("max_restarts")) {
    if (n->kind != Node::Kind::Integer || n->integer < 0 || n->integer > 1000000)
      check.error(n->pos, "task.wrapper.max_restarts: expected a whole number from 0, got " + describe_kind(*n));
    else
      r.max_restarts = static_cast<int>(n->integer);
  }
}

std::string absolute_dir_of(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  std::string abs = real ? real : path;
  std::free(real);
  return dir_name(abs);
}

// Resolves `cwd` from a descriptor: "~" and "~/x" use $HOME, a relative path
// is relative to the descriptor's directory.
std::string resolve_cwd(const std::string& cwd, const std::string& base) {
  if (cwd == "~" || cwd.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "") + cwd.substr(1);
  }
  if (!cwd.empty() && cwd[0] == '/') return cwd;
  return base + "/" + cwd;
}

void build_command(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  const Node* cmd = wrapper.find("command");
  if (!cmd) {
    check.error(wrapper.pos, "missing required key 'task.wrapper.command'");
    return;
  }
  if (cmd->kind == Node::Kind::String) {
    if (cmd->str.find_first_not_of(" \t\n") == std::string::npos)
      check.error(cmd->pos, "task.wrapper.command: must not be empty");
    else if (cmd->str.find('\0') != std::string::npos)
      check.error(cmd->pos, "task.wrapper.command: must not contain a NUL character");
    spec->shell_command = cmd->str;
    return;
  }
  if (cmd->kind != Node::Kind::Array) {
    check.error(cmd->pos, std::string(where) + ".command: expected a shell command string or an argv array of strings, got " +
                              describe_kind(*cmd));
    return;
  }
  if (cmd->items.empty()) {
    check.error(cmd->pos, "task.wrapper.command: the argv array must not be empty");
    return;
  }
  for (size_t i = 0; i < cmd->items.size(); ++i) {
    const Node& a = cmd->items[i];
    std::string at = "task.wrapper.command[" + std::to_string(i) + "]";
    if (a.kind != Node::Kind::String) {
      check.error(a.pos, at + ": expected a string, got " + describe_kind(a));
    } else if (a.str.find('\0') != std::string::npos) {
      check.error(a.pos, at + ": must not contain a NUL character");
    } else if (i == 0 && a.str.empty()) {
      check.error(a.pos, at + ": the program name must not be empty");
    } else {
      spec->argv.push_back(a.str);
    }
  }
}

void build_env(const Node& wrapper, Checker& check, TaskSpec* spec) {
  const Node* env = wrapper.find("env");
  if (!env || !check.expect_table(*env, "task.wrapper.env")) return;
  for (const Entry& e : env->entries) {
    std::string at = "task.wrapper.env." + e.key;
    if (e.key.empty() || e.key.find_first_of("=") != std::string::npos || e.key.find('\0') != std::string::npos) {
      check.error(e.key_pos, "task.wrapper.env: '" + e.key + "' is not a valid variable name (no '=' and not empty)");
      continue;
    }
    const Node& v = e.value;
    if (v.kind == Node::Kind::String) {
      if (v.str.find('\0') != std::string::npos) check.error(v.pos, at + ": must not contain a NUL character");
      else spec->env.emplace_back(e.key, v.str);
    } else if (v.kind == Node::Kind::Integer) {
      spec->env.emplace_back(e.key, std::to_string(v.integer));
    } else {
      check.error(v.pos, at + ": expected a string or an integer, got " + describe_kind(v));
    }
  }
  // One canonical order whatever the format (toml++ sorts keys, YAML and
  // JSON keep file order), so the same descriptor gives the same spec.
  std::sort(spec->env.begin(), spec->env.end());
}

void build_wrapper(const Document& doc, const Node& wrapper, Checker& check, TaskSpec* spec) {
  const char* where = "task.wrapper";
  if (!check.expect_table(wrapper, where)) return;
  std::string type = "default";
  check.get_string(wrapper, where, "type", false, &type);
  const WrapperType* wt = nullptr;
  for (const auto& t : kWrapperTypes)
    if (type == t.name) wt = &t;
  if (!wt) {
    const Node* n = wrapper.find("type");
    check.error(n ? n->pos : wrapper.pos, "task.wrapper.type: unknown wrapper type '" + type + "' (known: " +
                                              join_names(kWrapperTypes) + ")");
    return;
  }
  spec->wrapper = type;
  check.check_keys(wrapper, where, wt->keys);
  build_command(wrapper, check, spec);
  check.get_bool(wrapper, where, "mixed_stdout", false, &spec->mixed_stdout);
  check.get_signal(wrapper, where, "stop_signal", &spec->stop_signal);
  if (check.get_duration(wrapper, where, "stop_timeout", &spec->stop_timeout_ms) && spec->stop_timeout_ms > 24LL * 3600 * 1000) {
    check.error(wrapper.find("stop_timeout")->pos, "task.wrapper.stop_timeout: must be at most 24h");
  }
  std::string base = absolute_dir_of(doc.path);
  spec->cwd = base;
  std::string cwd;
  if (check.get_string(wrapper, where, "cwd", false, &cwd)) {
    if (cwd.empty()) check.error(wrapper.find("cwd")->pos, "task.wrapper.cwd: must not be empty");
    else spec->cwd = resolve_cwd(cwd, base);
  }
  build_env(wrapper, check, spec);
  if (type == "watchdog") build_restart(wrapper, check, spec);
}

void build_backend(const Node& backend, Checker& check, TaskSpec* spec) {
  const char* where = "task.backend";
  if (!check.expect_table(backend, where)) return;
  std::string type;
  if (!check.get_string(backend, where, "type", true, &type)) return;
  const BackendType* bt = find_backend_type(type);
  if (!bt) {
    check.error(backend.find("type")->pos, "task.backend.type: unknown backend type '" + type + "' (known: " +
                                               backend_type_names() + ")");
    return;
  }
  spec->backend = type;
  check.check_keys(backend, where, {"type"});
}

}  // namespace

void build_task(const Document& doc, const Entry& body, Checker& check, std::vector<TaskSpec>* out) {
  const Node& task = body.value;
  if (!check.expect_table(task, "task")) return;
  check.check_keys(task, "task", {"id", "comment", "backend", "wrapper"});
  TaskSpec spec;
  std::string why;
  if (check.get_string(task, "task", "id", true, &spec.id) && !valid_task_id(spec.id, &why))
    check.error(task.find("id")->pos, "task.id: '" + spec.id + "' is not a valid task id: it " + why);
  check.get_string(task, "task", "comment", false, &spec.comment);
  if (const Node* backend = task.find("backend")) build_backend(*backend, check, &spec);
  if (const Node* wrapper = task.find("wrapper")) build_wrapper(doc, *wrapper, check, &spec);
  else check.error(task.pos, "missing required key 'task.wrapper' (with at least 'command')");
  char* real = ::realpath(doc.path.c_str(), nullptr);
  spec.source = real ? real : doc.path;
  std::free(real);
  spec.loaded_at_ms = now_ms();
  out->push_back(std::move(spec));
}

}  // namespace spmi
