// The manageable-type table and whole-descriptor loading.
#include "manageables/registry.h"

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

bool load_descriptor(const std::string& path, Document* doc, std::vector<TaskSpec>* specs,
                     std::vector<Diagnostic>* diags, std::vector<TaskSpec>* partial) {
  if (!read_descriptor(path, doc, diags)) return false;
  Checker check(path, diags);
  const Node& root = doc->root;
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
  type->build(*doc, body, check, &built);
  if (!check.ok()) {
    if (partial) *partial = std::move(built);
    return false;
  }
  *specs = std::move(built);
  return true;
}

}  // namespace spmi
