// Descriptor files for load and apply (see descriptor_files.h).
#include "cli/descriptor_files.h"

#include <map>

#include "cli/commands.h"
#include "manageables/registry.h"

namespace spmi {

bool read_task_files(const std::vector<std::string>& paths, std::vector<LoadedTask>* out, const std::string& refusal,
                     const std::string& state_root) {
  std::vector<Diagnostic> diags;
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
    for (auto& spec : specs) {
      auto [it, fresh] = first_file.emplace(spec.id, path);
      if (!fresh) {
        diags.push_back({path, {}, "task id '" + spec.id + "' is also defined in " + it->second});
        ++bad_files;
        continue;
      }
      out->push_back({std::move(spec), path, doc.text, doc.format});
    }
  }
  for (const auto& d : diags) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (diags.empty()) return true;
  print_error(refusal + ": " + std::to_string(diags.size()) + " problem(s) in " + std::to_string(bad_files) + " file(s)");
  return false;
}

int store_exit_code(StoreWrite w) {
  return w == StoreWrite::Done ? kExitOk : w == StoreWrite::Conflict ? kExitFailure : kExitSystem;
}

}  // namespace spmi
