// Procfiles (foreman, honcho, overmind, hivemind): `name: command` lines
// read into the tree of a project descriptor, so a Procfile loads, applies
// and validates as any project does:
//
//   [project]            name = the Procfile's directory (made a valid id)
//   [project.tasks.NAME] wrapper.command = the command (a shell command),
//                        wrapper.env_file = ".env" when it exists beside it,
//                        wrapper.env.PORT = 5000 + 100 * the entry's index
//                        (foreman's rule; a PORT in .env is the base)
//
// As foreman reads them: blank lines and lines starting with '#' are
// skipped; an entry is `^[A-Za-z0-9_-]+:[ \t]*(.+)$`. Unlike foreman, any
// other line is an error with its line number (a typo must not drop a
// process silently), and so is a name given twice.
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "common/fd.h"
#include "common/task_env.h"
#include "manageables/reader.h"

namespace spmi {

namespace {

Node string_node(const std::string& s, SourcePos pos) {
  Node n;
  n.kind = Node::Kind::String;
  n.str = s;
  n.pos = pos;
  return n;
}

Node table_node(SourcePos pos) {
  Node n;
  n.kind = Node::Kind::Table;
  n.pos = pos;
  return n;
}

void add(Node* table, const std::string& key, Node value) {
  SourcePos pos = value.pos;
  table->entries.push_back(Entry{key, pos, std::move(value)});
}

std::string directory_of(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  std::string abs = real ? real : path;
  std::free(real);
  size_t slash = abs.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : abs.substr(0, slash);
}

// The directory's name as a project name: letters, digits, '_', '.', '-'.
std::string project_name(const std::string& dir) {
  std::string base = dir.substr(dir.rfind('/') + 1), out;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    out += ok ? c : '-';
  }
  while (!out.empty() && out[0] == '.') out.erase(0, 1);
  if (out.size() > 64) out.resize(64);
  return out.empty() ? "procfile" : out;
}

bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

bool parse_procfile(Document* doc, std::vector<Diagnostic>* diags) {
  const std::string dir = directory_of(doc->path);
  const std::string env_path = dir + "/.env";
  const bool has_env = ::access(env_path.c_str(), F_OK) == 0;
  long long base_port = 5000;
  if (has_env) {
    std::string text, err;
    std::vector<std::pair<std::string, std::string>> vars;
    if (read_file(env_path, &text, &err) && parse_env_file(env_path, text, &vars, &err)) {
      for (const auto& [k, v] : vars) {
        char* end = nullptr;
        long long port = std::strtoll(v.c_str(), &end, 10);
        if (k == "PORT" && !v.empty() && *end == '\0' && port > 0 && port < 65536) base_port = port;
      }
    }
  }
  Node tasks = table_node({1, 1});
  bool ok = true;
  int line_no = 0, index = 0;
  size_t pos = 0;
  const std::string& text = doc->text;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    size_t colon = 0;
    while (colon < line.size() && valid_name_char(line[colon])) ++colon;
    size_t cmd = colon + 1;
    while (cmd < line.size() && (line[cmd] == ' ' || line[cmd] == '\t')) ++cmd;
    if (colon == 0 || colon >= line.size() || line[colon] != ':' || cmd >= line.size()) {
      diags->push_back({doc->path, {line_no, 1},
                        "not a Procfile entry: expected 'name: command' (a name of letters, digits, '_' and '-', "
                        "then a colon and the command), got '" + line + "'"});
      ok = false;
      continue;
    }
    std::string name = line.substr(0, colon);
    SourcePos at{line_no, 1};
    if (tasks.find(name)) {
      diags->push_back({doc->path, at, "process '" + name + "' is defined twice in this Procfile"});
      ok = false;
      continue;
    }
    Node wrapper = table_node(at);
    add(&wrapper, "command", string_node(line.substr(cmd), {line_no, static_cast<int>(cmd) + 1}));
    if (has_env) add(&wrapper, "env_file", string_node(".env", at));
    Node env = table_node(at);
    add(&env, "PORT", string_node(std::to_string(base_port + 100LL * index), at));
    add(&wrapper, "env", std::move(env));
    Node task = table_node(at);
    add(&task, "wrapper", std::move(wrapper));
    add(&tasks, name, std::move(task));
    ++index;
  }
  if (!ok) return false;
  if (tasks.entries.empty()) {
    diags->push_back({doc->path, {}, "the Procfile has no 'name: command' entry"});
    return false;
  }
  Node project = table_node({1, 1});
  add(&project, "name", string_node(project_name(dir), {1, 1}));
  add(&project, "tasks", std::move(tasks));
  doc->root = table_node({1, 1});
  add(&doc->root, "project", std::move(project));
  return true;
}

}  // namespace spmi
