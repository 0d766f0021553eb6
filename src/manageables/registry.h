// Manageable types, found by the descriptor's top-level key (SPMI's `[task]`).
// A new manageable type is one file plus one line in kManageableTypes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/task_spec.h"
#include "manageables/schema.h"
#include "manageables/tree.h"

namespace spmi {

struct ManageableType {
  const char* name;
  // Validates the body under the top-level key and appends the task specs it
  // defines. Problems go to `check`; specs are only used when check.ok().
  void (*build)(const Document& doc, const Entry& body, Checker& check, std::vector<TaskSpec>* out);
};

const ManageableType* find_manageable_type(std::string_view name);
std::string manageable_type_names();

// Reads, parses and validates the descriptor at `path`. On success fills
// `specs` (ids, normalized fields) and `doc` (the text to keep a copy of).
// On failure every problem found in the file is in `diags`, and `partial`
// (when given) receives the specs as far as they could be built, for checks
// that want to report more (spmi validate). With `state_root` ($SPMI_PATH),
// a log path inside it is a problem: the task would write over spmi's own
// files (another task's spec or state).
bool load_descriptor(const std::string& path, Document* doc, std::vector<TaskSpec>* specs,
                     std::vector<Diagnostic>* diags, std::vector<TaskSpec>* partial = nullptr,
                     const std::string& state_root = "");

// load_descriptor's checks on a document already parsed (the fuzz targets
// read from memory): the manageable type, its schema, and log paths.
bool validate_document(const Document& doc, std::vector<TaskSpec>* specs, std::vector<Diagnostic>* diags,
                       std::vector<TaskSpec>* partial = nullptr, const std::string& state_root = "");

// The table that defines task `id` in a loaded document: [task] itself, or
// the project's entry for it (nullptr when not found). For positions in
// checks made after loading.
const Node* find_task_node(const Document& doc, const std::string& id);

// The task manageable (task_manageable.cc).
void build_task(const Document& doc, const Entry& body, Checker& check, std::vector<TaskSpec>* out);
// The project manageable: many tasks with shared defaults (project_manageable.cc).
void build_project(const Document& doc, const Entry& body, Checker& check, std::vector<TaskSpec>* out);

}  // namespace spmi
