// The resume record (src/wrappers/resume_record.h): what the wrapper hands
// itself across its idle core comes back whole, and a record that is cut,
// of another version or missing a part is refused with a reason.
#include <catch2/catch.hpp>

#include <string>

#include "wrappers/resume_record.h"

using spmi::ResumeRecord;

namespace {

ResumeRecord sample() {
  ResumeRecord r;
  r.spec = "kind=spmi-spec\nid=web\ncommand=a\nb\n";  // documents may hold newlines
  r.state = "phase=running\n";
  r.identity = "uid=65534\n";
  r.env = {"PATH=/bin", "EMPTY=", "LINES=a\nb"};
  r.machine.restarts = 2;
  r.machine.runs = 1;
  r.machine.run_started_ms = 123456789012LL;
  r.machine.started_once = true;
  r.oom_kills = 4;
  r.out_sequence = 7;
  r.err_dropped = 99;
  r.lock_fd = 5;
  r.signal_fd = 7;
  r.control_fd = 8;
  r.out_read = 14;
  r.close_fds = {3, 11};
  return r;
}

}  // namespace

TEST_CASE("resume record: what is written is read back", "[unit][resume]") {
  ResumeRecord r = sample(), back;
  std::string err;
  REQUIRE(spmi::parse_resume(spmi::serialize_resume(r), &back, &err));
  CHECK(back.spec == r.spec);
  CHECK(back.state == r.state);
  CHECK(back.identity == r.identity);
  CHECK(back.env == r.env);
  CHECK(back.machine.restarts == 2);
  CHECK(back.machine.runs == 1);
  CHECK(back.machine.run_started_ms == 123456789012LL);
  CHECK(back.machine.started_once);
  CHECK(back.oom_kills == 4);
  CHECK(back.out_sequence == 7);
  CHECK(back.err_dropped == 99);
  CHECK(back.lock_fd == 5);
  CHECK(back.signal_fd == 7);
  CHECK(back.control_fd == 8);
  CHECK(back.out_read == 14);
  CHECK(back.err_read == -1);
  CHECK(back.events_fd == -1);
  CHECK(back.close_fds == std::vector<int>{3, 11});
  CHECK(spmi::serialize_resume(back) == spmi::serialize_resume(r));
}

TEST_CASE("resume record: cut, foreign or incomplete records are refused", "[unit][resume]") {
  std::string text = spmi::serialize_resume(sample()), err;
  ResumeRecord back;
  // Cut anywhere: never accepted as a whole record.
  for (size_t n = 0; n < text.size(); ++n) {
    INFO(n);
    CHECK_FALSE(spmi::parse_resume(text.substr(0, n), &back, &err));
  }
  CHECK_FALSE(spmi::parse_resume("spmi-resume 2\n" + text.substr(text.find('\n') + 1), &back, &err));
  CHECK(err.find("version") != std::string::npos);
  std::string body = text.substr(0, text.size() - std::string("end 0\n").size());
  CHECK_FALSE(spmi::parse_resume(body + "surprise 1\nend 0\n", &back, &err));
  CHECK(err.find("surprise") != std::string::npos);
  CHECK_FALSE(spmi::parse_resume(text + "lock_fd 9\n", &back, &err));  // nothing after the end
  ResumeRecord no_lock = sample();
  no_lock.lock_fd = -1;
  CHECK_FALSE(spmi::parse_resume(spmi::serialize_resume(no_lock), &back, &err));
}
