// Descriptor files for load and apply (see descriptor_files.h).
#include "cli/descriptor_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "cli/commands.h"
#include "common/plain_command.h"
#include "common/program_path.h"
#include "common/suggest.h"
#include "manageables/registry.h"

namespace spmi {

namespace {

// The position of task.wrapper.<key> of task `id` (or of task.wrapper, or
// of the task, when the key comes from a project's defaults).
SourcePos wrapper_pos(const Document& doc, const std::string& id, const char* key) {
  const Node* task = find_task_node(doc, id);
  const Node* wrapper = task ? task->find("wrapper") : nullptr;
  if (!wrapper) return task ? task->pos : doc.root.pos;
  const Node* n = key ? wrapper->find(key) : nullptr;
  return n ? n->pos : wrapper->pos;
}

// The program a command runs, when it can be told without running a shell:
// argv's first word, or the first word of a shell string when that is a
// plain word naming an external program (not a builtin, keyword or
// variable assignment: plain_command.h). "" otherwise.
std::string command_program(const std::vector<std::string>& argv, const std::string& shell) {
  if (!argv.empty()) return argv[0];
  size_t start = shell.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  std::string first = shell.substr(start, shell.find_first_of(" \t", start) - start);
  std::vector<std::string> words = plain_command_words(first);
  return words.empty() ? "" : words[0];
}

// Looks for `program` as execvp would, with the PATH the task will have.
bool find_program(const TaskSpec& spec, const std::string& program, std::string* why) {
  if (program.find('/') != std::string::npos) {
    std::string p = program[0] == '/' ? program : spec.cwd + "/" + program;
    if (is_executable_file(p)) return true;
    *why = "'" + program + "' is not an executable file";
    return false;
  }
  std::string path;
  for (const auto& [k, v] : spec.env)
    if (k == "PATH") path = v;
  if (path.empty()) path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  if (!find_in_path(program, path).empty()) return true;
  std::vector<std::string> dirs = path_dirs(path);
  // A misspelt program ("pyhton3"): the nearest executable name on PATH.
  std::vector<std::string> names;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (is_executable_file(e.path().string())) names.push_back(e.path().filename().string());
  }
  *why = "'" + program + "' is not found in PATH (" + path + ")" + did_you_mean(program, names);
  return false;
}

}  // namespace

void check_host(const Document& doc, const TaskSpec& spec, std::vector<Diagnostic>* diags) {
  auto problem = [&](const char* key, const std::string& msg) {
    diags->push_back({doc.path, wrapper_pos(doc, spec.id, key), "task '" + spec.id + "': " + msg});
  };
  std::string why;
  std::string program = command_program(spec.argv, spec.shell_command);
  if (!program.empty() && !find_program(spec, program, &why)) problem("command", "task.wrapper.command: " + why);
  struct stat st {};
  if (!spec.cwd.empty() && (::stat(spec.cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    problem("cwd", "task.wrapper.cwd: '" + spec.cwd + "' is not a directory");
  if (!spec.process.env_file.empty() && ::access(spec.process.env_file.c_str(), R_OK) != 0)
    problem("env_file", "task.wrapper.env_file: cannot read '" + spec.process.env_file + "'");
  for (const auto& [k, v] : spec.env) {
    if (v.rfind("@file:", 0) != 0) continue;
    std::string file = v.substr(6);
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 64 * 1024)
      problem("env", "task.wrapper.env." + k + ": @file:" + file + " is not a readable regular file of at most 64 KiB");
  }
}

bool read_task_files(const std::vector<std::string>& paths, std::vector<LoadedTask>* out, const std::string& refusal,
                     const std::string& state_root) {
  std::vector<Diagnostic> diags, warnings;
  std::map<std::string, std::string> first_file;  // id -> file that defines it
  size_t bad_files = 0;
  for (const auto& path : paths) {
    Document doc;
    std::vector<TaskSpec> specs;
    size_t before = diags.size();
    if (!load_descriptor(path, &doc, &specs, &diags, nullptr, state_root)) {
      bad_files += diags.size() > before ? 1 : 0;
      continue;
    }
    auto text = std::make_shared<const std::string>(std::move(doc.text));
    for (auto& spec : specs) {
      check_host(doc, spec, &warnings);
      auto [it, fresh] = first_file.emplace(spec.id, path);
      if (!fresh) {
        diags.push_back({path, {}, "task id '" + spec.id + "' is also defined in " + it->second});
        ++bad_files;
        continue;
      }
      out->push_back({std::move(spec), path, text, doc.format});
    }
  }
  for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.format().c_str());
  // What only this machine can tell (a program not found, a missing
  // directory) warns: the task may be meant for another host (Slurm) or for
  // after an install.
  for (const auto& w : warnings) {
    Diagnostic d = w;
    d.message = "warning: " + d.message;
    std::fprintf(stderr, "%s\n", d.format().c_str());
  }
  if (diags.empty()) return true;
  print_error(refusal + ": " + std::to_string(diags.size()) + " problem(s) in " + std::to_string(bad_files) + " file(s)");
  return false;
}

int store_exit_code(StoreWrite w) {
  return w == StoreWrite::Done ? kExitOk : w == StoreWrite::Conflict ? kExitFailure : kExitSystem;
}

}  // namespace spmi
