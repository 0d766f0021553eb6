// The manageable-type table and whole-descriptor loading.
#include "manageables/registry.h"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "common/names.h"
#include "manageables/reader.h"

namespace spmi {

namespace {
constexpr ManageableType kManageableTypes[] = {
    {"task", build_task},
    {"project", build_project},
};
}  // namespace

const ManageableType* find_manageable_type(std::string_view name) {
  for (const auto& t : kManageableTypes)
    if (name == t.name) return &t;
  return nullptr;
}

std::string manageable_type_names() { return join_names(kManageableTypes); }

namespace {

// The path with every existing component's links resolved (and . and ..
// folded), so "$SPMI_PATH/../state/x" and a link into the state directory
// are both seen for what they are.
std::filesystem::path real_path(const std::string& p) {
  std::error_code ec;
  std::filesystem::path r = std::filesystem::weakly_canonical(p, ec);
  return ec ? std::filesystem::path(p).lexically_normal() : r;
}

bool is_within(const std::filesystem::path& p, const std::filesystem::path& dir) {
  auto d = dir.begin(), i = p.begin();
  for (; d != dir.end() && !d->empty(); ++d, ++i)
    if (i == p.end() || *i != *d) return false;
  return true;
}

// Log paths must stay out of the state directory (see load_descriptor).
void check_log_paths(const Document& doc, const std::vector<TaskSpec>& specs, const std::string& state_root,
                     Checker& check) {
  std::filesystem::path root = real_path(state_root);
  for (const TaskSpec& spec : specs) {
    for (auto [key, value] : {std::pair<const char*, const std::string*>{"stdout", &spec.logs.stdout_path},
                              {"stderr", &spec.logs.stderr_path}}) {
      if (value->empty() || !is_within(real_path(*value), root)) continue;
      const Node* task = find_task_node(doc, spec.id);
      const Node* logs = task ? task->find("logs") : nullptr;
      const Node* at = logs && logs->find(key) ? logs->find(key) : task ? task : &doc.root;
      check.error(at->pos, "task '" + spec.id + "': task.logs." + key + ": '" + *value +
                               "' is inside the state directory " + state_root +
                               " (SPMI_PATH); spmi's own files live there (a log could overwrite another task's "
                               "spec or state): choose a path outside it, or leave it unset for the default");
    }
  }
}

}  // namespace

bool load_descriptor(const std::string& path, Document* doc, std::vector<TaskSpec>* specs,
                     std::vector<Diagnostic>* diags, std::vector<TaskSpec>* partial, const std::string& state_root) {
  if (!read_descriptor(path, doc, diags)) return false;
  return validate_document(*doc, specs, diags, partial, state_root);
}

bool validate_document(const Document& doc, std::vector<TaskSpec>* specs, std::vector<Diagnostic>* diags,
                       std::vector<TaskSpec>* partial, const std::string& state_root) {
  Checker check(doc.path, diags);
  // The problems in file order (toml++ hands keys over sorted by name).
  struct InOrder {
    std::vector<Diagnostic>* diags;
    size_t first;
    ~InOrder() {
      std::stable_sort(diags->begin() + static_cast<std::ptrdiff_t>(first), diags->end(),
                       [](const Diagnostic& a, const Diagnostic& b) {
                         return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
                       });
    }
  } in_order{diags, diags->size()};
  const Node& root = doc.root;
  if (root.kind != Node::Kind::Table) {
    check.error(root.pos, "expected a table with one top-level key naming the manageable type (" +
                              manageable_type_names() + "), got " + describe_kind(root));
    return false;
  }
  if (root.entries.empty()) {
    check.error(root.pos, "empty descriptor: expected one top-level key naming the manageable type (" +
                              manageable_type_names() + ")");
    return false;
  }
  if (root.entries.size() > 1) {
    check.error(root.entries[1].key_pos, "a descriptor has exactly one top-level key (found '" +
                                             root.entries[0].key + "' and '" + root.entries[1].key + "')");
  }
  const Entry& body = root.entries[0];
  const ManageableType* type = find_manageable_type(body.key);
  if (!type) {
    check.error(body.key_pos, "unknown manageable type '" + body.key + "' (known: " + manageable_type_names() + ")");
    return false;
  }
  std::vector<TaskSpec> built;
  type->build(doc, body, check, &built);
  if (!state_root.empty()) check_log_paths(doc, built, state_root, check);
  if (!check.ok()) {
    if (partial) *partial = std::move(built);
    return false;
  }
  *specs = std::move(built);
  return true;
}

}  // namespace spmi
