// What starts spmi's tasks at boot without a daemon of ours: a systemd unit
// (a user unit, or a system unit) or a crontab @reboot line, each running
// `spmi resurrect` for one state directory (`spmi export`). Pure text
// generation: the caller finds the paths.
#pragma once

#include <string>

namespace spmi {

struct BootTarget {
  std::string spmi;       // absolute path of the spmi executable
  std::string spmi_path;  // absolute $SPMI_PATH
  std::string version;    // spmi's version, for the header comment
  std::string user;       // system unit: run as this user ("" or "root": as root)
};

// A systemd user unit (~/.config/systemd/user/spmi.service): a oneshot that
// stays active, so the wrappers live in its cgroup and a shutdown stops them
// with SIGTERM (recorded as `signal`, so the next boot brings them back).
std::string systemd_user_unit(const BootTarget& t);
// The same as a system unit (/etc/systemd/system/spmi.service), after the
// network is up; `User=` when t.user names someone other than root.
std::string systemd_system_unit(const BootTarget& t);
// "@reboot SPMI_PATH=... /usr/bin/spmi resurrect >>.../.resurrect.log 2>&1",
// quoted for cron's /bin/sh, with cron's '%' escaped.
std::string crontab_line(const BootTarget& t);

// `text` as one word of a systemd command line or assignment value:
// double-quoted when needed, '%' and '$' doubled, '\' and '"' escaped.
std::string systemd_quote(const std::string& text);
// `text` as one word for /bin/sh (single quotes when needed).
std::string shell_quote(const std::string& text);

}  // namespace spmi
