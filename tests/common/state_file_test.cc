// Reading spmi's own state files (common/atomic_file.h): read_state_file
// whole, read_state_lines a line at a time through its fixed buffer, with
// the same refusals (a FIFO, a link, a file over the limit).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "scratch_dir.h"

using namespace spmi;

namespace {

std::vector<std::string> lines_of(const std::string& path, bool* ok, std::string* err, size_t max = kMaxStateFileBytes) {
  std::vector<std::string> lines;
  *ok = read_state_lines(path, [&](std::string_view l) { lines.emplace_back(l); }, err, max);
  return lines;
}

}  // namespace

TEST_CASE("state lines: every line in order, across the reader's buffer, long ones skipped", "[state-file]") {
  test::ScratchDir dir("state-lines");
  std::string path = dir.file("f");
  // Lines of every length around the buffer's size, so that some straddle
  // two reads; one longer than kMaxStateLineBytes among them; no final newline.
  std::vector<std::string> expected;
  std::string text;
  for (size_t i = 0; i < 400; ++i) {
    std::string line(i * 37 % 4000, static_cast<char>('a' + i % 26));
    line += std::to_string(i);
    if (i == 150) {
      text += std::string(kMaxStateLineBytes * 3, 'x') + "\n";  // skipped whole
      continue;
    }
    expected.push_back(line);
    text += line + (i + 1 < 400 ? "\n" : "");
  }
  std::ofstream(path) << text;
  bool ok = false;
  std::string err;
  std::vector<std::string> got = lines_of(path, &ok, &err);
  REQUIRE(ok);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == expected[i]);

  // Empty lines are lines; an empty file has none.
  std::ofstream(path) << "a\n\nb\n";
  CHECK(lines_of(path, &ok, &err) == std::vector<std::string>{"a", "", "b"});
  std::ofstream(path, std::ios::trunc).flush();
  CHECK(lines_of(path, &ok, &err).empty());
  CHECK(ok);
}

TEST_CASE("state lines: the same refusals as read_state_file", "[state-file]") {
  test::ScratchDir dir("state-lines");
  bool ok = true;
  std::string err;
  lines_of(dir.file("missing"), &ok, &err);
  CHECK_FALSE(ok);
  CHECK(errno == ENOENT);
  CHECK(err.find(dir.file("missing")) == 0);

  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  lines_of(dir.file("fifo"), &ok, &err);  // refused at once, never blocks
  CHECK_FALSE(ok);

  std::ofstream(dir.file("target")) << "a\n";
  REQUIRE(::symlink(dir.file("target").c_str(), dir.file("link").c_str()) == 0);
  lines_of(dir.file("link"), &ok, &err);
  CHECK_FALSE(ok);
  CHECK(err.find("not a file spmi wrote") != std::string::npos);

  std::ofstream(dir.file("big")) << std::string(100, 'a') << "\n" << std::string(100, 'b') << "\n";
  lines_of(dir.file("big"), &ok, &err, 150);
  CHECK_FALSE(ok);
  CHECK(errno == EFBIG);
  std::string whole;
  CHECK_FALSE(read_state_file(dir.file("big"), &whole, &err, 150));
  CHECK(read_state_file(dir.file("big"), &whole, &err, 202));
  CHECK(whole.size() == 202);
}

TEST_CASE("state file: read whole at every size, up to the limit and not past it", "[state-file]") {
  test::ScratchDir dir("state-file");
  std::string path = dir.file("f"), err, got;
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{16384}, size_t{16385}, size_t{300000}}) {
    std::string text(size, 'x');
    for (size_t i = 0; i < size; i += 97) text[i] = static_cast<char>('a' + i % 26);
    std::ofstream(path, std::ios::trunc) << text;
    INFO(size);
    REQUIRE(read_state_file(path, &got, &err));
    CHECK(got == text);
    // Exactly at the limit is fine; one byte over is refused, and nothing is kept.
    CHECK(read_state_file(path, &got, &err, size));
    if (size > 0) {
      CHECK_FALSE(read_state_file(path, &got, &err, size - 1));
      CHECK(errno == EFBIG);
      CHECK(got.empty());
    }
  }
}

TEST_CASE("state file: only a regular file is read, whatever the thing in its place holds", "[state-file]") {
  test::ScratchDir dir("state-file-kinds");
  std::string got, err;
  // A FIFO with a writer and a few bytes waiting: they read like a small
  // file, and must not be taken for one.
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  int writer = ::open(dir.file("fifo").c_str(), O_RDWR | O_CLOEXEC);  // O_RDWR: no wait for a reader
  REQUIRE(writer >= 0);
  REQUIRE(::write(writer, "spmi-state 1\n", 13) == 13);
  CHECK_FALSE(read_state_file(dir.file("fifo"), &got, &err));
  CHECK(errno == EINVAL);
  CHECK(err == dir.file("fifo") + ": is not a regular file (a FIFO, socket, device or directory is in its place)");
  CHECK(got.empty());
  ::close(writer);
  // Without a writer it reads empty, and is refused the same.
  CHECK_FALSE(read_state_file(dir.file("fifo"), &got, &err));
  CHECK(errno == EINVAL);

  REQUIRE(::mkdir(dir.file("dir").c_str(), 0700) == 0);
  CHECK_FALSE(read_state_file(dir.file("dir"), &got, &err));
  CHECK(errno == EINVAL);

  std::ofstream(dir.file("target")) << "a\n";
  REQUIRE(::symlink(dir.file("target").c_str(), dir.file("link").c_str()) == 0);
  CHECK_FALSE(read_state_file(dir.file("link"), &got, &err));
  CHECK(errno == ELOOP);
  CHECK(err == dir.file("link") + ": is a symbolic link, not a file spmi wrote");

  // An empty regular file is read (empty), not refused.
  std::ofstream(dir.file("empty")).flush();
  got = "stale";
  CHECK(read_state_file(dir.file("empty"), &got, &err));
  CHECK(got.empty());
}
