// Finding a program on PATH (common/program_path.h) in scratch directories
// with real files: order, empty entries, what does not count as a program.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/program_path.h"
#include "scratch_dir.h"

using namespace spmi;

TEST_CASE("program path: PATH entries in order, an empty one is the current directory", "[program-path]") {
  CHECK(path_dirs("/a:/b") == std::vector<std::string>{"/a", "/b"});
  CHECK(path_dirs("") == std::vector<std::string>{"."});
  CHECK(path_dirs(":/a:") == std::vector<std::string>{".", "/a", "."});
  CHECK(path_dirs("/a::/b") == std::vector<std::string>{"/a", ".", "/b"});
}

TEST_CASE("program path: the first executable file wins, directories and plain files do not count", "[program-path]") {
  test::ScratchDir dir("program-path");
  for (const char* d : {"one", "two", "three"}) REQUIRE(::mkdir(dir.file(d).c_str(), 0700) == 0);
  auto make = [&](const std::string& path, mode_t mode) {
    std::ofstream(path) << "#!/bin/sh\n";
    REQUIRE(::chmod(path.c_str(), mode) == 0);
  };
  make(dir.file("one/tool"), 0600);                        // not executable
  REQUIRE(::mkdir(dir.file("two/tool").c_str(), 0700) == 0);  // a directory
  make(dir.file("three/tool"), 0700);
  make(dir.file("two/other"), 0700);
  std::string path = dir.file("one") + ":" + dir.file("two") + ":" + dir.file("three");
  CHECK(find_in_path("tool", path) == dir.file("three/tool"));
  CHECK(find_in_path("other", path) == dir.file("two/other"));
  CHECK(find_in_path("missing", path).empty());
  CHECK(find_in_path("", path).empty());
  CHECK(is_executable_file(dir.file("three/tool")));
  CHECK_FALSE(is_executable_file(dir.file("one/tool")));
  CHECK_FALSE(is_executable_file(dir.file("two/tool")));
  CHECK_FALSE(is_executable_file(dir.file("nothing")));
}
