// The text of boot units and crontab lines: quoting for systemd and for
// cron's shell (what systemd-analyze and sh then accept is tested end to
// end in tests/e2e/export_e2e_test.cc).
#include <catch2/catch.hpp>

#include "system/boot_units.h"

using namespace spmi;

TEST_CASE("systemd words are quoted only when needed, with specifiers and variables escaped", "[boot]") {
  CHECK(systemd_quote("/usr/bin/spmi") == "/usr/bin/spmi");
  CHECK(systemd_quote("SPMI_PATH=/home/a/.spmi") == "SPMI_PATH=/home/a/.spmi");
  CHECK(systemd_quote("SPMI_PATH=/srv/my tasks") == "\"SPMI_PATH=/srv/my tasks\"");
  CHECK(systemd_quote("/srv/100%") == "\"/srv/100%%\"");
  CHECK(systemd_quote("/srv/$HOME") == "\"/srv/$$HOME\"");
  CHECK(systemd_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
}

TEST_CASE("shell words are single-quoted when needed", "[boot]") {
  CHECK(shell_quote("/usr/bin/spmi") == "/usr/bin/spmi");
  CHECK(shell_quote("/srv/my tasks") == "'/srv/my tasks'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
}

TEST_CASE("the units run spmi resurrect for the given SPMI_PATH", "[boot]") {
  BootTarget t{"/usr/bin/spmi", "/home/ann/.spmi", "1.2.3", "ann"};
  std::string user = systemd_user_unit(t);
  CHECK(user.find("\nExecStart=/usr/bin/spmi resurrect\n") != std::string::npos);
  CHECK(user.find("\nEnvironment=SPMI_PATH=/home/ann/.spmi\n") != std::string::npos);
  CHECK(user.find("\nRemainAfterExit=yes\n") != std::string::npos);
  CHECK(user.find("\nWantedBy=default.target\n") != std::string::npos);
  CHECK(user.find("loginctl enable-linger ann") != std::string::npos);
  CHECK(user.find("User=") == std::string::npos);
  std::string system = systemd_system_unit(t);
  CHECK(system.find("\nWantedBy=multi-user.target\n") != std::string::npos);
  CHECK(system.find("\nUser=ann\n") != std::string::npos);
  CHECK(system.find("\nAfter=network-online.target") != std::string::npos);
  t.user = "root";
  CHECK(systemd_system_unit(t).find("User=") == std::string::npos);
}

TEST_CASE("the crontab line escapes cron's percent sign and quotes for sh", "[boot]") {
  BootTarget t{"/opt/spmi bin/spmi", "/srv/100% tasks", "1", "ann"};
  CHECK(crontab_line(t) == "@reboot SPMI_PATH='/srv/100\\% tasks' '/opt/spmi bin/spmi' resurrect >>"
                           "'/srv/100\\% tasks/.resurrect.log' 2>&1\n");
}
