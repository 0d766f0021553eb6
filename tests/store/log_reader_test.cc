// Tests of following a log across rotations (LogFollower), with rotations
// made by hand so that several happen between two polls.
#include <catch2/catch.hpp>

#include <fcntl.h>

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

void append(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::app) << text; }

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

TEST_CASE("complete_lines_start counts finished lines back from the end, across read blocks", "[logs][follow]") {
  std::string dir = temp_dir();
  std::string log = dir + "/stdout.log";
  std::string big(10000, 'x');  // longer than one backwards read
  append(log, "a\n" + big + "\nb\nhal");
  Fd fd(::open(log.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  off_t size = static_cast<off_t>(2 + big.size() + 1 + 2 + 3);
  CHECK(complete_lines_start(fd.get(), size, 0) == size - 3);      // "hal" is unfinished
  CHECK(complete_lines_start(fd.get(), size, 1) == size - 5);      // "b"
  CHECK(complete_lines_start(fd.get(), size, 2) == 2);             // the long line
  CHECK(complete_lines_start(fd.get(), size, 3) == 0);             // "a"
  CHECK(complete_lines_start(fd.get(), size, 50) == 0);            // fewer lines than asked
  CHECK(complete_lines_start(fd.get(), size - 3, 0) == size - 3);  // ends with a newline
  CHECK(complete_lines_start(fd.get(), 0, 5) == 0);
  std::string cmd = "rm -rf " + dir;
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("the history before a follower's start, and the follower, show each line once", "[logs][follow]") {
  std::string dir = temp_dir();
  std::string log = dir + "/stdout.log";
  append(log, "r1\n");
  std::rename(log.c_str(), (log + ".20261122T030000Z-001").c_str());
  append(log, "c1\nc2\nunfin");
  LogFollower f(log);
  auto keep_all = [](const LogLine&) { return true; };
  auto texts = [](const std::vector<LogLine>& lines) {
    std::vector<std::string> out;
    for (const auto& l : lines) out.push_back(l.text);
    return out;
  };
  std::vector<std::string> errors;
  // Written, and rotated, after the follower started: the follower's alone.
  append(log, "ished\nc3\n");
  std::rename(log.c_str(), (log + ".20261122T030001Z-002").c_str());
  append(log, "n1\n");
  CHECK(texts(read_log_tail(log, false, 10, keep_all, &errors, &f.start())) ==
        std::vector<std::string>{"r1", "c1", "c2"});
  CHECK(texts(read_log_tail(log, false, 1, keep_all, &errors, &f.start())) == std::vector<std::string>{"c2"});
  CHECK(f.poll() == std::vector<std::string>{"unfinished", "c3", "n1"});
  // Without a cut: everything, the newest file included.
  CHECK(texts(read_log_tail(log, false, 2, keep_all, &errors)) == std::vector<std::string>{"c3", "n1"});
  CHECK(errors.empty());
  std::string cmd = "rm -rf " + dir;
  CHECK(std::system(cmd.c_str()) == 0);
}
