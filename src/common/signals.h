// Signal names <-> numbers ("SIGTERM", "TERM", "term" all name 15).
#pragma once

#include <string>
#include <string_view>

namespace spmi {

// The signal named `name` (with or without "SIG", any case); 0 when unknown.
int signal_from_name(std::string_view name);

// "SIGTERM" for 15; "SIG<n>" for a signal without a name.
std::string signal_name(int sig);

// A comma-separated list of the accepted names, for error messages.
std::string known_signal_names();

}  // namespace spmi
