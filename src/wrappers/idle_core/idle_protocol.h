// The command line between the wrapper and its idle core (spmi-idle), in
// one place for both sides. The core is built against musl without the C++
// runtime (idle_core.cc), so this header holds only constants.
//
// A default wrapper with nothing pending (its task runs; no timer, helper,
// stop or compression in progress) hands its descriptors to the idle core
// by exec'ing it in its own process: same pid, same children, same signal
// mask. The core sleeps in poll() and execs the wrapper back (from a
// descriptor of the wrapper's own executable, so an upgrade in between
// cannot swap it) as soon as anything needs the wrapper:
//
//   spmi-idle PROTOCOL EXE-FD [-w FD]... [-s PIPE,FILE,OFFSET,LIMIT,DEADLINE]...
//             -- WRAPPER-ARGV...
//
//   -w FD   wake when FD is readable (the signalfd, the control FIFO)
//   -s ...  copy the task's output from PIPE into the log FILE at OFFSET with
//           splice() while the file stays below LIMIT bytes (-1: no size
//           rotation) and the wall clock below DEADLINE ms (-1: none); wake
//           at the limit, the deadline, the pipe's end or any error, so the
//           wrapper rotates and reports exactly as when it was awake
//
// PROTOCOL names this layout; EXE-FD second and "--" before WRAPPER-ARGV
// stay in every version, so that any core can give the task back.
// WRAPPER-ARGV carries kResumeFlag and the descriptor of the resume record
// (wrappers/resume_record.h). A core that cannot run (a protocol it does
// not speak, a bad argument) execs the wrapper back at once with
// kResumeFlag replaced by kResumeAwakeFlag: the wrapper then stays awake.
#pragma once

namespace spmi::idle {

constexpr const char kProtocol[] = "spmi-idle/1";
constexpr const char kExecutable[] = "spmi-idle";
constexpr const char kResumeFlag[] = "--resume";
constexpr const char kResumeAwakeFlag[] = "--resume-awake";
// The most a core watches (the wrapper hands it a handful).
constexpr int kMaxWake = 8;
constexpr int kMaxSplice = 2;

}  // namespace spmi::idle
