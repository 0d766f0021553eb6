// Durations in descriptors: "500ms", "10s", "2m", "1h", and sums like "1m30s".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spmi {

// Parses `text` into milliseconds. False with `err` describing the problem.
bool parse_duration(std::string_view text, int64_t* ms, std::string* err);

// Formats milliseconds the way parse_duration reads them ("1m30s", "500ms").
std::string format_duration_ms(int64_t ms);

// A short human form of elapsed seconds: "42s", "3m12s", "5h03m", "2d04h".
std::string format_elapsed(int64_t seconds);

}  // namespace spmi
