// spmi schema: print the descriptors' JSON Schema (manageables/json_schema.h)
// for editors and CI. Reads nothing, writes nothing but stdout.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "manageables/json_schema.h"

namespace spmi {

Command add_schema_command(CLI::App& app, Context&) {
  CLI::App* sub = app.add_subcommand(
      "schema", "Print the JSON Schema of descriptor files (for editors: yaml-language-server, Taplo)");
  return {sub, [] {
            std::printf("%s\n", descriptor_json_schema().dump(2).c_str());
            return kExitOk;
          }};
}

}  // namespace spmi
