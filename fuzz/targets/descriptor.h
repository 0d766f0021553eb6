// The body of the four descriptor targets (toml, yaml, json, Procfile): the input is a descriptor file's
// text; it is parsed by the reader of `format` and, when well-formed, goes
// through everything `spmi validate` checks without the host (the task and
// project manageables). Nothing may crash, hang, leak or grow without bound;
// a well-formed result must name only valid task ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "manageables/reader.h"
#include "manageables/registry.h"

namespace spmi::fuzz {

inline int descriptor(const char* format, const uint8_t* data, size_t size) {
  if (size > kMaxDescriptorBytes) return -1;  // read_descriptor refuses these before parsing
  Document doc;
  doc.path = std::string("fuzz.") + format;
  doc.format = format;
  doc.text.assign(reinterpret_cast<const char*>(data), size);
  if (doc.text.find('\0') != std::string::npos) return -1;  // read_descriptor refuses these too
  std::vector<Diagnostic> diags;
  std::string f = format;
  bool ok = f == "toml"       ? parse_toml(&doc, &diags)
            : f == "yaml"     ? parse_yaml(&doc, &diags)
            : f == "procfile" ? parse_procfile(&doc, &diags)
                              : parse_json(&doc, &diags);
  if (!ok) {
    if (diags.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  std::vector<TaskSpec> specs, partial;
  if (validate_document(doc, &specs, &diags, &partial, "/nonexistent/spmi-state")) {
    std::string why;
    for (const auto& s : specs)
      if (!valid_task_id(s.id, &why)) std::abort();
    // What load writes must read back as the same spec.
    for (const auto& s : specs) {
      TaskSpec back;
      if (!parse_spec(serialize_spec(s), &back, &why) || serialize_spec(back) != serialize_spec(s)) std::abort();
    }
  } else if (diags.empty()) {
    std::abort();
  }
  return 0;
}

}  // namespace spmi::fuzz
