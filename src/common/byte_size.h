// Byte sizes for people: "512MiB", "1.5GiB". Shared by the CLI (list,
// status, validate's messages) and the wrappers (their log lines).
#pragma once

#include <cstdint>
#include <string>

namespace spmi {

// 536870912 -> "512MiB"; uses the largest binary unit that keeps one decimal.
std::string format_byte_size(int64_t bytes);

}  // namespace spmi
