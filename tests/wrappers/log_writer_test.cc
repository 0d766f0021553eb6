// The wrapper's log writer with real files and a fake clock: size and time
// rotation at line ends only, keep, timestamps, splice from a pipe, write
// failures that drop output and recover, and gzip of rotated files.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/cron.h"
#include "common/safe_file.h"
#include "e2e/harness.h"
#include "manageables/units.h"
#include "wrappers/compress_job.h"
#include "wrappers/log_writer.h"

using namespace spmi;
using spmi::test::slurp;

namespace {

int64_t fake_now = 0;
int64_t fake_clock() { return fake_now; }

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/spmi-logtest.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// Every file in `dir` whose name starts with `prefix`, sorted.
std::vector<std::string> files(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename();
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string line(int i) {
  std::string s = "line " + std::to_string(i) + " ";
  s.resize(99, 'x');
  return s + "\n";
}

}  // namespace

TEST_CASE("log writer: size rotation happens at line ends only, keeps order, prunes to keep", "[logs]") {
  TempDir dir;
  LogSettings s;
  s.max_size = 4096;
  s.keep = 3;
  fake_now = 1795300000000;
  LogWriter w;
  w.setup(dir.path + "/out.log", s, fake_clock);
  std::string all;
  for (int i = 0; i < 200; ++i) {
    std::string l = line(i);
    all += l;
    // Written in odd pieces: a line may arrive in several writes.
    w.write(l.data(), 37);
    w.write(l.data() + 37, l.size() - 37);
    fake_now += 1000;
  }
  auto names = files(dir.path, "out.log");
  // 20000 bytes at 4096 per file: 4 rotations happened, 3 kept + the current file.
  REQUIRE(names.size() == 4);
  CHECK(names.front() == "out.log");  // the current file sorts first
  std::string joined;
  for (const auto& n : names) {
    if (n == "out.log") continue;
    std::string text = slurp(dir.path + "/" + n);
    CHECK(is_rotated_log_name("out.log", n));
    CHECK(text.size() >= 4096);          // rotated only past max_size
    CHECK(text.size() < 4096 + 100);     // at the first line end after it
    CHECK(text.back() == '\n');          // never inside a line
    joined += text;
  }
  joined += slurp(dir.path + "/out.log");
  // What is kept is exactly the tail of what was written, in order.
  REQUIRE(joined.size() <= all.size());
  CHECK(all.compare(all.size() - joined.size(), joined.size(), joined) == 0);
  CHECK(joined.compare(0, 5, "line ") == 0);
}

TEST_CASE("log writer: one large write of many lines rotates within a line of max_size", "[logs]") {
  // The lines of one write are gathered in an 8 kB buffer; what it holds
  // counts toward the size (a file once got 8 kB with max_size 4 KiB).
  TempDir dir;
  LogSettings s;
  s.max_size = 4096;
  s.keep = 100;
  fake_now = 1795300000000;
  LogWriter w;
  w.setup(dir.path + "/out.log", s, fake_clock);
  std::string all;
  for (int i = 0; i < 300; ++i) all += line(i);
  w.write(all.data(), all.size());
  std::string joined;
  for (const auto& n : files(dir.path, "out.log.")) {
    std::string text = slurp(dir.path + "/" + n);
    CHECK(text.size() >= 4096);
    CHECK(text.size() < 4096 + 100);
    joined += text;
  }
  CHECK(joined + slurp(dir.path + "/out.log") == all);
}

TEST_CASE("log writer: hourly rotation at the first line after the boundary, with timestamps", "[logs]") {
  TempDir dir;
  ScopedTimeZone zone("UTC");
  LogSettings s;
  s.rotate = LogRotate::Hourly;
  s.timestamps = true;
  fake_now = (days_from_civil(2026, 11, 21) * 86400 + 10 * 3600 + 59 * 60 + 58) * 1000 + 123;
  LogWriter w;
  w.setup(dir.path + "/out.log", s, fake_clock);
  w.write("one\ntw", 6);
  fake_now += 3000;  // 11:00:01: a new hour, but mid-line: no rotation yet
  w.write("o\nthree\n", 8);
  auto names = files(dir.path, "out.log");
  REQUIRE(names.size() == 2);
  CHECK(names[1] == "out.log.20261121T110001Z-001");
  CHECK(slurp(dir.path + "/" + names[1]) == "2026-11-21T10:59:58.123Z one\n2026-11-21T10:59:58.123Z two\n");
  CHECK(slurp(dir.path + "/out.log") == "2026-11-21T11:00:01.123Z three\n");
}

TEST_CASE("log writer: splice from a pipe, rotating at line ends", "[logs]") {
  TempDir dir;
  LogSettings s;
  s.max_size = 64 * 1024;
  s.keep = 100;
  LogWriter w;
  w.setup(dir.path + "/out.log", s, fake_clock);
  int p[2];
  REQUIRE(::pipe2(p, O_NONBLOCK) == 0);
  std::string all;
  for (int i = 0; i < 3000; ++i) {
    std::string l = line(i);
    all += l;
    REQUIRE(::write(p[1], l.data(), l.size()) == static_cast<ssize_t>(l.size()));
    if (i % 300 == 299) CHECK(w.drain_pipe(p[0]));
  }
  ::close(p[1]);
  CHECK_FALSE(w.drain_pipe(p[0]));  // end of file
  ::close(p[0]);
  std::string joined;
  auto names = files(dir.path, "out.log");
  CHECK(names.size() >= 4);
  for (const auto& n : names) {
    if (n == "out.log") continue;
    std::string text = slurp(dir.path + "/" + n);
    CHECK(text.back() == '\n');
    CHECK(text.size() >= 64 * 1024);
    joined += text;
  }
  joined += slurp(dir.path + "/out.log");
  CHECK(joined == all);
}

TEST_CASE("log writer: a failing log drops output, says why, and recovers by itself", "[logs]") {
  TempDir dir;
  fake_now = 1000000;
  LogWriter w;
  std::string sub = dir.path + "/not-yet";
  w.setup(sub + "/out.log", LogSettings{}, fake_clock);
  w.write("lost\n", 5);
  CHECK(w.dropped() == 5);
  CHECK(w.error().find("cannot open " + sub + "/out.log: No such file or directory") == 0);
  CHECK(w.changed());
  ::mkdir(sub.c_str(), 0700);
  w.write("also lost\n", 10);  // the next open is tried only after a second
  CHECK(w.dropped() == 15);
  fake_now += 1500;
  w.write("kept\n", 5);
  CHECK(w.error().empty());
  CHECK(slurp(sub + "/out.log") == "kept\n");
  // A device that is always full: every write fails with ENOSPC.
  LogWriter full;
  full.setup("/dev/full", LogSettings{}, fake_clock);
  full.write("x\n", 2);
  CHECK(full.dropped() == 2);
  CHECK(full.error() == "cannot write /dev/full: No space left on device");
}

TEST_CASE("gzip of a rotated file", "[logs]") {
  TempDir dir;
  std::string f = dir.path + "/out.log.20261121T110001Z-001";
  std::ofstream(f) << "hello\nworld\n";
  std::string err;
  Fd d = open_dir(dir.path, &err);
  REQUIRE(gzip_file_at(d.get(), "out.log.20261121T110001Z-001", &err));
  // No temporary file is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 1);
  CHECK_FALSE(std::filesystem::exists(f));
  REQUIRE(std::filesystem::exists(f + ".gz"));
  int code = -1;
  CHECK(spmi::test::run_program({"gzip", "-dc", f + ".gz"}, &code) == "hello\nworld\n");
  CHECK(code == 0);
  CHECK(is_rotated_log_name("out.log", "out.log.20261121T110001Z-001.gz"));
  CHECK_FALSE(is_rotated_log_name("out.log", "out.log.20261121T110001Z-001.gz.tmp"));
}

TEST_CASE("log files are never opened, rotated or compressed through links", "[logs][security]") {
  TempDir dir;
  std::string canary = dir.path + "/canary";
  std::ofstream(canary) << "precious\n";
  std::string err;
  // The log itself is a symbolic link: refused at setup, nothing written.
  std::filesystem::create_symlink(canary, dir.path + "/out.log");
  LogWriter w;
  CHECK_FALSE(w.setup(dir.path + "/out.log", LogSettings{}, fake_clock, &err));
  CHECK(err == dir.path + "/out.log is a symbolic link; spmi does not follow links to its log files (remove it)");
  w.write("x\n", 2);
  CHECK(slurp(canary) == "precious\n");
  // A FIFO would block the wrapper: refused too.
  std::filesystem::remove(dir.path + "/out.log");
  REQUIRE(::mkfifo((dir.path + "/out.log").c_str(), 0600) == 0);
  LogWriter f;
  CHECK_FALSE(f.setup(dir.path + "/out.log", LogSettings{}, fake_clock, &err));
  CHECK(err.find("is not a regular file") != std::string::npos);

  // Compression: a rotated file swapped for a link is not read, and a link
  // planted at the .gz name is replaced, not written through.
  Fd d = open_dir(dir.path, &err);
  REQUIRE(d.valid());
  std::filesystem::create_symlink(canary, dir.path + "/out.log.20261121T110001Z-001");
  CHECK_FALSE(gzip_file_at(d.get(), "out.log.20261121T110001Z-001", &err));
  CHECK(err.find("is a symbolic link") != std::string::npos);
  std::ofstream(dir.path + "/out.log.20261121T110002Z-002") << "rotated\n";
  std::filesystem::create_symlink(canary, dir.path + "/out.log.20261121T110002Z-002.gz");
  std::filesystem::create_symlink(canary, dir.path + "/out.log.20261121T110002Z-002.gz.tmp");
  REQUIRE(gzip_file_at(d.get(), "out.log.20261121T110002Z-002", &err));
  CHECK(std::filesystem::is_regular_file(std::filesystem::symlink_status(dir.path + "/out.log.20261121T110002Z-002.gz")));
  CHECK(slurp(canary) == "precious\n");
  int code = -1;
  CHECK(spmi::test::run_program({"gzip", "-dc", dir.path + "/out.log.20261121T110002Z-002.gz"}, &code) == "rotated\n");

  // truncate_file_safely empties a regular file and refuses a link.
  std::ofstream(dir.path + "/plain.log") << "old\n";
  CHECK(truncate_file_safely(dir.path + "/plain.log", &err));
  CHECK(slurp(dir.path + "/plain.log").empty());
  CHECK_FALSE(truncate_file_safely(dir.path + "/out.log.20261121T110001Z-001", &err));
  CHECK(slurp(canary) == "precious\n");
  CHECK(truncate_file_safely(dir.path + "/missing.log", &err));  // nothing to empty
}

TEST_CASE("log writer: spliced pipe output rotates within one line of max_size", "[logs]") {
  // 63-byte lines through a pipe (the splice path): each file ends at the
  // first line end at or past max_size, never a page later.
  TempDir dir;
  LogSettings s;
  s.max_size = 4096;
  s.keep = 100;
  fake_now = 1795300000000;
  LogWriter w;
  REQUIRE(w.setup(dir.path + "/out.log", s, fake_clock));
  int p[2];
  REQUIRE(::pipe2(p, O_NONBLOCK) == 0);
  std::string l(62, 'x');
  l += '\n';
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 10; ++i) REQUIRE(::write(p[1], l.data(), l.size()) == static_cast<ssize_t>(l.size()));
    w.drain_pipe(p[0]);
    fake_now += 1000;
  }
  ::close(p[1]);
  w.drain_pipe(p[0]);
  ::close(p[0]);
  int rotated = 0;
  for (const auto& n : files(dir.path, "out.log.")) {
    std::string text = slurp(dir.path + "/" + n);
    INFO(n << ": " << text.size());
    CHECK(text.size() >= 4096);
    CHECK(text.size() <= 4096 + 63);
    CHECK(text.back() == '\n');
    ++rotated;
  }
  CHECK(rotated >= 5);
}
