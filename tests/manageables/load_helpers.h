// Loading descriptors in the manageable tests: from a path, or from text
// written to a file in the test process's scratch directory.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "manageables/registry.h"
#include "scratch_dir.h"

namespace spmi::test {

struct Loaded {
  bool ok = false;
  std::vector<TaskSpec> specs;
  std::vector<Diagnostic> diags;
  // Every diagnostic, one per line.
  std::string all() const {
    std::string s;
    for (const auto& d : diags) s += d.format() + "\n";
    return s;
  }
  // The spec of task `id` (fails the test when there is none).
  const TaskSpec& spec(const std::string& id) const {
    for (const auto& s : specs)
      if (s.id == id) return s;
    FAIL("no task " << id);
    return specs.at(0);
  }
};

inline Loaded load_path(const std::string& path) {
  Loaded l;
  Document doc;
  l.ok = load_descriptor(path, &doc, &l.specs, &l.diags);
  return l;
}

// This test process's scratch directory for descriptors (removed at exit).
inline const std::string& descriptor_dir() {
  static ScratchDir dir("descriptors");
  return dir.path();
}

// Writes `text` to <dir>/<name> and loads it.
inline Loaded load_text(const std::string& dir, const std::string& name, const std::string& text) {
  std::filesystem::create_directories(dir);
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return load_path(path);
}

// Writes `text` to <descriptor_dir()>/<name> and loads it.
inline Loaded load_in_scratch(const std::string& name, const std::string& text) {
  return load_text(descriptor_dir(), name, text);
}

}  // namespace spmi::test
