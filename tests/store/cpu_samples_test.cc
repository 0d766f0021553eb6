// The CPU sample cache (store/cpu_samples.h) in a scratch XDG_RUNTIME_DIR:
// what survives a save and a load, which sample gives the window, and that
// a damaged or foreign file costs nothing but the rate.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.h"
#include "store/cpu_samples.h"

using namespace spmi;

namespace {

// Points XDG_RUNTIME_DIR at a scratch directory for one test, and back.
class RuntimeDir {
 public:
  RuntimeDir() : store_(scratch_.file("state")) {
    const char* old = ::getenv("XDG_RUNTIME_DIR");
    had_ = old != nullptr;
    if (had_) old_ = old;
    ::setenv("XDG_RUNTIME_DIR", scratch_.path().c_str(), 1);
    ::mkdir(store_.c_str(), 0700);
  }
  ~RuntimeDir() {
    if (had_) ::setenv("XDG_RUNTIME_DIR", old_.c_str(), 1);
    else ::unsetenv("XDG_RUNTIME_DIR");
  }
  const std::string& store() const { return store_; }
  std::string cache_text() const {
    std::ifstream in(CpuSamples::path_for(store_));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write_cache(const std::string& text) const { std::ofstream(CpuSamples::path_for(store_)) << text; }

 private:
  test::ScratchDir scratch_{"cpu-samples"};
  std::string store_;
  bool had_ = false;
  std::string old_;
};

}  // namespace

TEST_CASE("cpu samples: the cache lives in XDG_RUNTIME_DIR/spmi and survives a save and a load", "[usage]") {
  RuntimeDir rt;
  std::string path = CpuSamples::path_for(rt.store());
  REQUIRE(path.rfind(std::string(::getenv("XDG_RUNTIME_DIR")) + "/spmi/cpu-", 0) == 0);
  int64_t now = boottime_ms();
  {
    CpuSamples c(rt.store());
    c.record("web", CpuSample{"r1:0", now - 5000, 100});
    c.record("web", CpuSample{"r1:0", now - 2000, 400});  // 3 s later: the first becomes "before"
    c.record("db", CpuSample{"r2:1", now - 1500, 7});
    c.save();
  }
  CpuSamples back(rt.store());
  // The newest sample at least 1 s old is the one a rate starts from.
  const CpuSample* s = back.usable("web", "r1:0", now);
  REQUIRE(s);
  CHECK(s->at_ms == now - 2000);
  CHECK(s->cpu_us == 400);
  // Too young, the one before stands in.
  s = back.usable("web", "r1:0", now - 1500);
  REQUIRE(s);
  CHECK(s->at_ms == now - 5000);
  CHECK(s->cpu_us == 100);
  REQUIRE(back.usable("db", "r2:1", now));
  CHECK(back.usable("db", "r2:1", now)->cpu_us == 7);
  // Another run of the same task, or a task never sampled: no rate.
  CHECK_FALSE(back.usable("web", "r1:1", now));
  CHECK_FALSE(back.usable("api", "r1:0", now));
  // One line per task, in id order.
  CHECK(rt.cache_text() == "spmi-cpu-samples 1\ndb r2:1 " + std::to_string(now - 1500) + " 7\nweb r1:0 " +
                               std::to_string(now - 2000) + " 400 " + std::to_string(now - 5000) + " 100\n");
}

TEST_CASE("cpu samples: damaged lines are skipped and the rest kept, another header starts afresh", "[usage]") {
  RuntimeDir rt;
  int64_t now = boottime_ms();
  std::string at = std::to_string(now - 3000);
  rt.write_cache("spmi-cpu-samples 1\n"
                 "a r " + at + " 10\n"
                 "b r x 10\n"                        // not a number
                 "c r " + at + "\n"                  // no CPU figure
                 "d r " + at + " 10 12x 3\n"         // a damaged "before": the newest stands
                 "\n"
                 "e   r   " + at + "   20 \n"        // extra spaces
                 "f r " + at + " 30");               // no final newline
  CpuSamples c(rt.store());
  CHECK(c.usable("a", "r", now));
  CHECK_FALSE(c.usable("b", "r", now));
  CHECK_FALSE(c.usable("c", "r", now));
  REQUIRE(c.usable("d", "r", now));
  CHECK(c.usable("d", "r", now)->cpu_us == 10);
  REQUIRE(c.usable("e", "r", now));
  CHECK(c.usable("e", "r", now)->cpu_us == 20);
  REQUIRE(c.usable("f", "r", now));
  CHECK(c.usable("f", "r", now)->cpu_us == 30);

  rt.write_cache("spmi-cpu-samples 2\na r " + at + " 10\n");
  CHECK_FALSE(CpuSamples(rt.store()).usable("a", "r", now));
}

TEST_CASE("cpu samples: a sample from before a reboot or older than a day is not written back", "[usage]") {
  RuntimeDir rt;
  int64_t now = boottime_ms();
  CpuSamples c(rt.store());
  c.record("fresh", CpuSample{"r", now - 2000, 1});
  c.record("future", CpuSample{"r", now + 3'600'000, 2});  // BOOTTIME of an earlier, longer boot
  c.record("stale", CpuSample{"r", now - 25 * 3'600'000LL, 3});
  c.save();
  std::string text = rt.cache_text();
  CHECK(text.find("fresh ") != std::string::npos);
  CHECK(text.find("future ") == std::string::npos);
  CHECK(text.find("stale ") == std::string::npos);
}

TEST_CASE("cpu samples: 10,000 tasks load back whole", "[usage]") {
  RuntimeDir rt;
  int64_t now = boottime_ms();
  {
    CpuSamples c(rt.store());
    for (int i = 0; i < 10000; ++i) c.record("t" + std::to_string(i), CpuSample{"run" + std::to_string(i), now - 1000 - i, i});
    c.save();
  }
  CpuSamples back(rt.store());
  for (int i = 0; i < 10000; i += 97) {
    const CpuSample* s = back.usable("t" + std::to_string(i), "run" + std::to_string(i), now);
    REQUIRE(s);
    CHECK(s->cpu_us == i);
  }
}

TEST_CASE("cpu samples: a look at a few tasks loads only theirs and never writes the cache", "[usage]") {
  RuntimeDir rt;
  int64_t now = boottime_ms();
  {
    CpuSamples c(rt.store());
    for (int i = 0; i < 1000; ++i) c.record("t" + std::to_string(i), CpuSample{"r", now - 2000, i});
    c.save();
  }
  std::string before = rt.cache_text();
  std::vector<std::string> only{"t7", "t999", "absent"};
  CpuSamples partial(rt.store(), &only);
  REQUIRE(partial.usable("t7", "r", now));
  CHECK(partial.usable("t7", "r", now)->cpu_us == 7);
  REQUIRE(partial.usable("t999", "r", now));
  CHECK(partial.usable("t999", "r", now)->cpu_us == 999);
  CHECK_FALSE(partial.usable("t8", "r", now));  // there, but not asked for
  CHECK_FALSE(partial.usable("absent", "r", now));
  // Saving what it holds would drop the other 998 tasks: it writes nothing.
  partial.record("t7", CpuSample{"r", now, 70});
  partial.save();
  CHECK(rt.cache_text() == before);
}
