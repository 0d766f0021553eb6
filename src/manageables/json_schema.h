// The JSON Schema (draft-07) of descriptor files, generated from the
// descriptor key table the loader itself checks against (descriptor_keys.h)
// and the backends' own keys, so the two never drift. `spmi schema` prints
// it; schema/spmi-descriptor.schema.json is the published copy (a test
// keeps it equal to this), for editors: yaml-language-server, Taplo,
// VS Code's JSON support. The schema checks shape (keys, types, enums);
// the loader still checks what only it can (ids that exist, cron fields,
// users on this machine, cycles).
#pragma once

#include <nlohmann/json.hpp>

namespace spmi {

nlohmann::json descriptor_json_schema();

}  // namespace spmi
