// Tests of the re-sweeps of a tree being stopped (wrappers/timers.h): the
// first soon, then twice as far apart each time, never further than the cap.
#include <catch2/catch.hpp>

#include "wrappers/timers.h"

using namespace spmi;

TEST_CASE("sweeps back off from the first interval to the cap", "[wrapper][sweep]") {
  SweepSchedule s;
  CHECK_FALSE(s.timer.armed());
  s.begin(1000, 200);
  CHECK(s.timer.at == 1200);
  CHECK_FALSE(s.timer.due(1199));
  CHECK(s.timer.due(1200));
  int64_t now = 1200;
  std::vector<int64_t> gaps;
  for (int i = 0; i < 8; ++i) {
    s.swept(now);
    gaps.push_back(s.timer.at - now);
    now = s.timer.at;
  }
  CHECK(gaps == std::vector<int64_t>{400, 800, 1600, 3200, 3200, 3200, 3200, 3200});
  // Over a 10 s stop timeout: 6 sweeps instead of 50 at a fixed 200 ms.
  s.begin(0, 200);
  int sweeps = 0;
  for (now = 0; now <= 10000; ++now)
    if (s.timer.due(now)) {
      ++sweeps;
      s.swept(now);
    }
  CHECK(sweeps == 6);
  // A new signal to the whole tree starts over; the end disarms.
  s.begin(20000, 100);
  CHECK(s.timer.at == 20100);
  s.end();
  CHECK_FALSE(s.timer.armed());
}

TEST_CASE("the earliest timer includes the next sweep and the wait after a rotation", "[wrapper][sweep]") {
  WrapperTimers t;
  CHECK(t.earliest({}) == -1);
  t.stop_deadline.arm(10000);
  t.sweep.begin(0, 200);
  CHECK(t.earliest({}) == 200);
  CHECK(t.earliest({150}) == 150);
  t.sweep.end();
  CHECK(t.earliest({}) == 10000);
  // The wait after a rotation is a timer too: the idle core waits for it.
  t.busy_log.arm(1500);
  CHECK(t.earliest({}) == 1500);
  t.busy_log.disarm();
  CHECK(t.earliest({}) == 10000);
}
