// Boot units and crontab lines for `spmi export` (boot_units.h).
#include "system/boot_units.h"

namespace spmi {

namespace {

bool plain_word(const std::string& s, const char* extra) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
              c == '_' || c == '-' || c == '+' || c == ',' || c == ':' || c == '@';
    for (const char* e = extra; !ok && *e; ++e) ok = c == *e;
    if (!ok) return false;
  }
  return true;
}

// Free text in a unit (Description=): only specifiers are special.
std::string unit_text(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

// The [Service] part both units share.
std::string service(const BootTarget& t) {
  return "[Service]\n"
         "Type=oneshot\n"
         "# Stays active after `spmi resurrect` returns: the wrappers it starts\n"
         "# live in this unit's cgroup, and stopping the unit at shutdown sends\n"
         "# them SIGTERM, which they record as a shutdown (end_cause=signal), not\n"
         "# as a user's stop, so the next boot starts them again.\n"
         "RemainAfterExit=yes\n"
         "Environment=" + systemd_quote("SPMI_PATH=" + t.spmi_path) + "\n"
         "ExecStart=" + systemd_quote(t.spmi) + " resurrect\n"
         "# Time for every task's stop_timeout before systemd's SIGKILL.\n"
         "TimeoutStopSec=5min\n";
}

std::string header(const BootTarget& t, const std::string& how) {
  return "# Starts again at boot the spmi tasks of " + t.spmi_path + "\n"
         "# that were running before it (`spmi resurrect`). Written by `spmi export`\n"
         "# (spmi " + t.version + ").\n"
         "#\n" + how;
}

}  // namespace

std::string systemd_quote(const std::string& text) {
  std::string body;
  for (char c : text) {
    if (c == '%') body += "%%";
    else if (c == '$') body += "$$";
    else if (c == '\\' || c == '"') body += std::string("\\") + c;
    else body += c;
  }
  return plain_word(text, "=") ? body : "\"" + body + "\"";
}

std::string shell_quote(const std::string& text) {
  if (plain_word(text, "=")) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string systemd_user_unit(const BootTarget& t) {
  return header(t,
                "# Install it for this user:\n"
                "#   mkdir -p ~/.config/systemd/user\n"
                "#   spmi export systemd --user > ~/.config/systemd/user/spmi.service\n"
                "#   systemctl --user daemon-reload && systemctl --user enable spmi.service\n"
                "# A user's units start at boot only when the user lingers (else at the\n"
                "# first login, and they stop at the last logout):\n"
                "#   loginctl enable-linger " + (t.user.empty() ? std::string("$USER") : t.user) + "\n"
                "# Another state directory needs a unit of its own: another file name.\n") +
         "\n[Unit]\n"
         "Description=spmi tasks of " + unit_text(t.spmi_path) + "\n"
         "Documentation=man:spmi(1)\n"
         "\n" + service(t) +
         "\n[Install]\n"
         "WantedBy=default.target\n";
}

std::string systemd_system_unit(const BootTarget& t) {
  bool as_user = !t.user.empty() && t.user != "root";
  return header(t,
                "# Install it (as root):\n"
                "#   spmi export systemd --system > /etc/systemd/system/spmi.service\n"
                "#   systemctl daemon-reload && systemctl enable spmi.service\n"
                "# Another state directory needs a unit of its own: another file name.\n") +
         "\n[Unit]\n"
         "Description=spmi tasks of " + unit_text(t.spmi_path) + "\n"
         "Documentation=man:spmi(1)\n"
         "Wants=network-online.target\n"
         "After=network-online.target remote-fs.target nss-user-lookup.target\n"
         "\n" + service(t) + (as_user ? "User=" + t.user + "\n" : std::string()) +
         "\n[Install]\n"
         "WantedBy=multi-user.target\n";
}

std::string crontab_line(const BootTarget& t) {
  // Hidden: a name no task id can take.
  std::string log = t.spmi_path + "/.resurrect.log";
  std::string line = "@reboot SPMI_PATH=" + shell_quote(t.spmi_path) + " " + shell_quote(t.spmi) +
                     " resurrect >>" + shell_quote(log) + " 2>&1";
  // cron turns an unescaped % into a newline (crontab(5)).
  std::string out;
  for (char c : line) out += c == '%' ? std::string("\\%") : std::string(1, c);
  return out + "\n";
}

}  // namespace spmi
