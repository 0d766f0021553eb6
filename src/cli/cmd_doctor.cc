// spmi doctor [--json]: what this machine gives spmi (system/doctor.h):
// each check with ok, note or problem, and what to do. Exit 0 when no
// check found a problem, 1 otherwise.
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/view_format.h"
#include "system/doctor.h"

namespace spmi {

namespace {

struct DoctorOptions {
  bool json = false;
};

Color verdict_color(Verdict v) {
  switch (v) {
    case Verdict::Ok: return Color::Green;
    case Verdict::Note: return Color::Yellow;
    case Verdict::Problem: return Color::Red;
  }
  return Color::None;
}

int run_doctor_command(Context& ctx, const DoctorOptions& opts) {
  std::vector<Finding> findings = run_doctor(ctx.store);
  bool problem = false;
  for (const Finding& f : findings) problem = problem || f.verdict == Verdict::Problem;
  if (opts.json) {
    nlohmann::json checks = nlohmann::json::array();
    for (const Finding& f : findings)
      checks.push_back({{"check", f.check},
                        {"verdict", verdict_name(f.verdict)},
                        {"detail", f.detail},
                        {"fix", f.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.fix)}});
    print_json({{"schema", 1}, {"ok", !problem}, {"spmi_path", ctx.store.root()}, {"checks", checks}});
  } else {
    for (const Finding& f : findings) {
      std::string word = verdict_name(f.verdict);
      std::string padded = word + std::string(8 - word.size(), ' ');
      std::printf("%s %s: %s\n", paint(padded, verdict_color(f.verdict), ctx.color).c_str(), f.check.c_str(),
                  f.detail.c_str());
      if (!f.fix.empty() && f.verdict != Verdict::Ok) std::printf("         -> %s\n", f.fix.c_str());
    }
    std::printf("%s\n", problem ? "spmi doctor: problems found (see above)" : "spmi doctor: all is well");
  }
  return problem ? kExitFailure : kExitOk;
}

}  // namespace

Command add_doctor_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<DoctorOptions>();
  CLI::App* sub = app.add_subcommand(
      "doctor", "Check what this machine gives spmi (wrappers, tools, state directory, orphans, lost tasks)");
  sub->add_flag("--json", opts->json, "Print the checks as JSON");
  return {sub, [&ctx, opts] { return run_doctor_command(ctx, *opts); }};
}

}  // namespace spmi
