// Tests of duration parsing and formatting, and signal names.
#include <catch2/catch.hpp>

#include <csignal>

#include "common/duration.h"
#include "common/signals.h"

using namespace spmi;

TEST_CASE("durations", "[duration]") {
  int64_t ms = 0;
  std::string err;
  CHECK((parse_duration("500ms", &ms, &err) && ms == 500));
  CHECK((parse_duration("10s", &ms, &err) && ms == 10000));
  CHECK((parse_duration("2m", &ms, &err) && ms == 120000));
  CHECK((parse_duration("1h", &ms, &err) && ms == 3600000));
  CHECK((parse_duration("1m30s", &ms, &err) && ms == 90000));
  CHECK((parse_duration("1.5s", &ms, &err) && ms == 1500));
  CHECK((parse_duration("0s", &ms, &err) && ms == 0));
  // Blanks between a number and its unit, and between parts, are fine.
  CHECK((parse_duration("1 s", &ms, &err) && ms == 1000));
  CHECK((parse_duration("1m 30s", &ms, &err) && ms == 90000));
  for (const char* bad : {"", "  ", "10", "s", "10x", "-1s", "1.s", "99999999999999999999h", "0s  x"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad, &ms, &err));
  }
  // A spelt-out unit names the unit and the ones to use.
  CHECK_FALSE(parse_duration("5 seconds", &ms, &err));
  CHECK(err == "duration '5 seconds': unknown unit 'seconds' (use ms, s, m, h, d, e.g. \"5s\")");
  CHECK(format_duration_ms(90500) == "1m30s500ms");
  CHECK(format_duration_ms(0) == "0s");
  CHECK(format_elapsed(59) == "59s");
  CHECK(format_elapsed(3725) == "1h02m");
}

TEST_CASE("signal names", "[signals]") {
  CHECK(signal_from_name("SIGTERM") == SIGTERM);
  CHECK(signal_from_name("term") == SIGTERM);
  CHECK(signal_from_name("Int") == SIGINT);
  CHECK(signal_from_name("SIGFOO") == 0);
  CHECK(signal_from_name("") == 0);
  CHECK(signal_name(SIGKILL) == "SIGKILL");
  CHECK(signal_name(40) == "SIG40");
}
