// events.jsonl lines: the exact bytes the wrapper writes, and that a JSON
// reader (the one `spmi events` uses) gets every field back.
#include <catch2/catch.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include "wrappers/event_log.h"

using namespace spmi;

TEST_CASE("an events.jsonl line has one fixed form and reads back field by field", "[events][golden]") {
  EventRecord r;
  r.time_ms = 1780000000123;
  r.task = "we\"b\n";
  r.event = "restart-scheduled";
  r.from = Phase::Draining;
  r.to = Phase::Backoff;
  r.reason = "failed";
  r.pid = 4242;
  r.exited = true;
  r.exit_code = 3;
  r.restarts = 2;
  r.delay_ms = 1000;
  std::string line = format_event_line(r);
  CHECK(line ==
        "{\"time\":\"2026-05-28T20:26:40.123Z\",\"task\":\"we\\\"b\\u000a\",\"event\":\"restart-scheduled\","
        "\"from\":\"draining\",\"to\":\"backoff\",\"reason\":\"failed\",\"pid\":4242,\"exit_code\":3,"
        "\"signal\":null,\"restarts\":2,\"delay_ms\":1000}\n");
  auto j = nlohmann::json::parse(line);
  CHECK(j["task"] == "we\"b\n");
  CHECK(j["event"] == "restart-scheduled");
  CHECK(j["from"] == "draining");
  CHECK(j["to"] == "backoff");
  CHECK(j["pid"] == 4242);
  CHECK(j["exit_code"] == 3);
  CHECK(j["signal"].is_null());
  CHECK(j["delay_ms"] == 1000);
  // Killed by a signal, nothing recorded: nulls, and still valid JSON.
  EventRecord k;
  k.time_ms = 1780000000000;
  k.task = "t";
  k.event = "killed";
  k.from = Phase::Killing;
  k.to = Phase::Exited;
  k.exited = true;
  k.exit_signal = SIGKILL;
  auto kj = nlohmann::json::parse(format_event_line(k));
  CHECK(kj["signal"] == "SIGKILL");
  CHECK(kj["exit_code"].is_null());
  CHECK(kj["pid"].is_null());
  CHECK(kj["reason"].is_null());
  CHECK(kj["delay_ms"].is_null());
}
