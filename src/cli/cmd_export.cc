// spmi export systemd [--user|--system] | cron: prints what runs
// `spmi resurrect` at boot for this $SPMI_PATH, with no daemon of ours: a
// systemd unit or a crontab @reboot line (system/boot_units.h), install
// steps and the lingering advice in its comments.
#include <pwd.h>
#include <unistd.h>

#include <filesystem>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "spmi_version.h"
#include "system/boot_units.h"

namespace spmi {

namespace {

struct ExportOptions {
  std::string format;
  bool user = false;
  bool system = false;
};

int run_export(Context& ctx, const ExportOptions& opts) {
  std::error_code ec;
  BootTarget t;
  t.version = SPMI_VERSION;
  t.spmi = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec || t.spmi.empty()) {
    print_error("cannot find the spmi executable (/proc/self/exe): " + ec.message());
    return kExitSystem;
  }
  t.spmi_path = std::filesystem::absolute(ctx.store.root(), ec).lexically_normal().string();
  if (ec) {
    print_error(ctx.store.root() + ": " + ec.message());
    return kExitSystem;
  }
  if (t.spmi_path.size() > 1 && t.spmi_path.back() == '/') t.spmi_path.pop_back();
  if (const struct passwd* pw = ::getpwuid(::geteuid())) t.user = pw->pw_name;
  std::string text;
  if (opts.format == "cron") {
    text = crontab_line(t);
  } else {
    bool system = opts.system || (!opts.user && ::geteuid() == 0);
    text = system ? systemd_system_unit(t) : systemd_user_unit(t);
  }
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace

Command add_export_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand(
      "export", "Print a systemd unit or a crontab line that runs 'spmi resurrect' at boot for this SPMI_PATH");
  sub->add_option("format", opts->format, "systemd (a unit) or cron (an @reboot line)")
      ->required()
      ->check(CLI::IsMember({"systemd", "cron"}));
  CLI::Option* user = sub->add_flag("--user", opts->user, "systemd: a user unit (the default unless run as root)");
  sub->add_flag("--system", opts->system, "systemd: a system unit (the default as root)")->excludes(user);
  return {sub, [&ctx, opts] { return run_export(ctx, *opts); }};
}

}  // namespace spmi
