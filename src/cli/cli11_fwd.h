// The CLI11 classes the CLI's headers name, declared without CLI11 itself.
//
// CLI11 2.1 defines eight validator objects (ExistingFile, Number, ...) at
// namespace scope in its header: every translation unit that includes it
// constructs its own eight before main, each touching its own pages. So
// headers include this, and only the files that build options include
// <CLI/CLI.hpp>; the spmi target compiles its command files as one unit
// (CMakeLists.txt, UNITY_BUILD) for the same reason.
#pragma once

namespace CLI {
class App;
class Option;
class ParseError;
}  // namespace CLI
