// Reading a descriptor file into the format-neutral tree. The file extension
// picks the reader: .toml, .yaml or .yml, .json; a file named Procfile (or
// Procfile.<anything else>) is read as a project (reader_procfile.cc).
#pragma once

#include <string>
#include <vector>

#include "manageables/tree.h"

namespace spmi {

// Reads and parses `path`. False with diagnostics when the file cannot be
// read, has an unknown extension, or is not well-formed.
bool read_descriptor(const std::string& path, Document* doc, std::vector<Diagnostic>* diags);

// Format-specific parsers over `doc->text`; they fill `doc->root`.
bool parse_toml(Document* doc, std::vector<Diagnostic>* diags);
bool parse_yaml(Document* doc, std::vector<Diagnostic>* diags);
bool parse_json(Document* doc, std::vector<Diagnostic>* diags);
bool parse_procfile(Document* doc, std::vector<Diagnostic>* diags);

// Whether `path` names a Procfile: "Procfile" or "Procfile.dev", not
// "Procfile.toml".
bool is_procfile(const std::string& path);

}  // namespace spmi
