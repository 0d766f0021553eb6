// Tests of the default wrapper's state machine, event by event.
#include <catch2/catch.hpp>

#include <csignal>

#include "wrappers/wrapper_machine.h"

using namespace spmi;
using E = WrapperEvent;

TEST_CASE("a task that ends by itself", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  CHECK(m.phase() == Phase::Starting);
  CHECK(m.on(E::Started).write_state);
  CHECK(m.phase() == Phase::Running);
  CHECK_FALSE(m.wants_ticks());  // no wake-ups while running
  auto a = m.on(E::MainExited);
  CHECK(a.write_state);
  CHECK(m.phase() == Phase::Draining);
  CHECK(m.on(E::ChildReaped).signal_tree == 0);
  a = m.on(E::NoChildren);
  CHECK(a.exit);
  CHECK(m.phase() == Phase::Exited);
  CHECK(m.ended_by() == 0);
  CHECK(m.stop_request().empty());
}

TEST_CASE("a failed start ends the wrapper", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  auto a = m.on(E::StartFailed);
  CHECK(a.exit);
  CHECK(m.phase() == Phase::Failed);
}

TEST_CASE("stop: stop signal to the tree, deadline, SIGKILL", "[wrapper]") {
  WrapperMachine m(SIGINT);
  m.on(E::Started);
  auto a = m.on(E::StopRequested);
  CHECK(a.signal_tree == SIGINT);
  CHECK_FALSE(a.only_new);
  CHECK(a.arm_deadline);
  CHECK(m.phase() == Phase::Stopping);
  CHECK(m.wants_ticks());
  CHECK(m.on(E::StopRequested).signal_tree == 0);  // a second stop changes nothing
  a = m.on(E::ChildReaped);
  CHECK(a.signal_tree == SIGINT);
  CHECK(a.only_new);  // processes that appeared meanwhile, not the signalled ones again
  CHECK(m.on(E::MainExited).write_state);
  CHECK(m.phase() == Phase::Stopping);
  a = m.on(E::Deadline);
  CHECK(a.signal_tree == SIGKILL);
  CHECK(m.phase() == Phase::Killing);
  CHECK(m.on(E::Tick).signal_tree == SIGKILL);
  a = m.on(E::NoChildren);
  CHECK(a.exit);
  CHECK(m.ended_by() == SIGKILL);
  CHECK(m.stop_request() == "stop");
}

TEST_CASE("stop that the task obeys ends with the stop signal", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  m.on(E::Started);
  m.on(E::StopRequested);
  m.on(E::MainExited);
  m.on(E::NoChildren);
  CHECK(m.phase() == Phase::Exited);
  CHECK(m.ended_by() == SIGTERM);
}

TEST_CASE("kill: SIGKILL at once, also during a stop", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  m.on(E::Started);
  auto a = m.on(E::KillRequested);
  CHECK(a.signal_tree == SIGKILL);
  CHECK(m.phase() == Phase::Killing);
  CHECK(m.stop_request() == "kill");
  CHECK(m.on(E::StopRequested).signal_tree == 0);
  m.on(E::NoChildren);
  CHECK(m.ended_by() == SIGKILL);

  WrapperMachine n(SIGTERM);
  n.on(E::Started);
  n.on(E::StopRequested);
  CHECK(n.on(E::KillRequested).signal_tree == SIGKILL);
  CHECK(n.stop_request() == "kill");
}

TEST_CASE("a daemon left behind is stopped like the main process", "[wrapper]") {
  WrapperMachine m(SIGTERM);
  m.on(E::Started);
  m.on(E::MainExited);
  auto a = m.on(E::StopRequested);
  CHECK(a.signal_tree == SIGTERM);
  CHECK(m.phase() == Phase::Stopping);
}
