// Tests of following a log across rotations (LogFollower), with rotations
// made by hand so that several happen between two polls.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

#include "store/log_reader.h"

using namespace spmi;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/spmi-follow.XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

void gzip_to(const std::string& from, const std::string& to) {
  std::ifstream in(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gzFile gz = ::gzopen(to.c_str(), "wb");
  REQUIRE(gz != nullptr);
  ::gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  ::gzclose(gz);
  std::remove(from.c_str());
}

}  // namespace

TEST_CASE("a follower that polls after several rotations still gets every line once, in order", "[logs][follow]") {
  std::string dir = temp_dir();
  std::string log = dir + "/stdout.log";
  append(log, "old\n");
  LogFollower f(log);  // from the end: "old" is not new
  append(log, "a1\na2\n");
  std::rename(log.c_str(), (log + ".20261122T030000Z-001").c_str());
  append(log, "b1\n");
  std::rename(log.c_str(), (log + ".20261122T030000Z-002").c_str());
  append(log, "c1\nc2\n");
  std::rename(log.c_str(), (log + ".20261122T030001Z-003").c_str());
  // The third rotated file is already compressed when the follower looks.
  gzip_to(log + ".20261122T030001Z-003", log + ".20261122T030001Z-003.gz");
  append(log, "d1\n");
  CHECK(f.poll() == std::vector<std::string>{"a1", "a2", "b1", "c1", "c2", "d1"});
  append(log, "d2\n");
  std::rename(log.c_str(), (log + ".20261122T030002Z-004").c_str());
  append(log, "e1\n");
  CHECK(f.poll() == std::vector<std::string>{"d2", "e1"});
  CHECK(f.poll().empty());
  std::string cmd = "rm -rf " + dir;
  CHECK(std::system(cmd.c_str()) == 0);
}
