// End to end: dependencies between tasks. A three-level stack with TCP
// health gating starts in order and stops dependents first; cycles and
// unknown dependencies are load errors; a dependency that never gets
// healthy fails its dependent within start_timeout; graph shows the order.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "common/fd.h"
#include "e2e/harness.h"

using spmi::test::alive;
using spmi::test::free_port;
using spmi::test::SpmiEnv;

namespace {

// A watchdog task listening on `port` after `delay` seconds, health-checked
// over TCP, depending on `deps` (healthy).
std::string service(const SpmiEnv& env, const std::string& id, int port, const std::string& deps, double delay) {
  std::string cmd = "sleep " + std::to_string(delay) + "; exec python3 -m http.server " + std::to_string(port) +
                    " --bind 127.0.0.1";
  std::string text = "[task]\nid = \"" + id + "\"\n";
  if (!deps.empty()) text += "depends_on = [" + deps + "]\nstart_when = \"healthy\"\nstart_timeout = \"20s\"\n";
  text += "[task.wrapper]\ntype = \"watchdog\"\ncommand = \"" + cmd +
          "\"\n[task.wrapper.health]\ntype = \"tcp\"\nport = " + std::to_string(port) + "\ninterval = \"200ms\"\n";
  return env.write(id + ".toml", text);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("a db -> api -> web stack starts in order behind health checks and stops dependents first",
          "[e2e][deps]") {
  SpmiEnv env;
  int db = free_port(), api = free_port(), web = free_port();
  REQUIRE(env.run({"load", service(env, "db", db, "", 1.0), service(env, "api", api, "\"db\"", 0.5),
                   service(env, "web", web, "\"api\"", 0)})
              .exit_code == 0);
  auto r = env.run({"start", "web"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto started = lines_of(r.out);
  REQUIRE(started.size() == 3);
  CHECK(started[0].find("started db ") == 0);
  CHECK(started[1].find("started api ") == 0);
  CHECK(started[2].find("started web ") == 0);
  // Each started only once the one before was healthy.
  auto db_st = env.state("db"), api_st = env.state("api"), web_st = env.state("web");
  CHECK(api_st.started_at_ms >= db_st.started_at_ms + 1000);   // db listens after 1s
  CHECK(web_st.started_at_ms >= api_st.started_at_ms + 500);  // api after 0.5s
  CHECK(env.run({"wait", "db|api|web", "--for", "healthy", "--timeout", "20s"}).exit_code == 0);

  r = env.run({"graph", "web"});
  CHECK(r.out == "db\napi  <- db (when healthy)\nweb  <- api (when healthy)\n");
  auto j = nlohmann::json::parse(env.run({"graph", "--format", "json"}).out);
  CHECK(j["start_order"] == nlohmann::json::array({"db", "api", "web"}));
  CHECK(env.run({"graph", "--format", "dot"}).out.find("\"db\" -> \"api\" [label=\"healthy\"];") != std::string::npos);

  // stop db: web, then api, then db.
  r = env.run({"stop", "db"});
  REQUIRE(r.exit_code == 0);
  auto stopped = lines_of(r.out);
  REQUIRE(stopped.size() == 3);
  CHECK(stopped[0].find("stopped web") == 0);
  CHECK(stopped[1].find("stopped api") == 0);
  CHECK(stopped[2].find("stopped db") == 0);
  // --no-deps: only what was named.
  REQUIRE(env.run({"start", "web", "--no-deps"}).exit_code == 0);
  CHECK(env.state("db").phase == spmi::Phase::Exited);
  REQUIRE(env.run({"stop", "web", "--no-deps"}).exit_code == 0);
}

TEST_CASE("dependency errors: cycles and unknown ids at load, a dependency that never gets healthy at start",
          "[e2e][deps]") {
  SpmiEnv env;
  auto a = env.write("a.toml", "[task]\nid = \"a\"\ndepends_on = [\"b\"]\n[task.wrapper]\ncommand = \"sleep 100\"\n");
  auto b = env.write("b.toml", "[task]\nid = \"b\"\ndepends_on = [\"c\"]\n[task.wrapper]\ncommand = \"sleep 100\"\n");
  auto c = env.write("c.toml", "[task]\nid = \"c\"\ndepends_on = [\"a\"]\n[task.wrapper]\ncommand = \"sleep 100\"\n");
  std::string before = env.snapshot();
  auto r = env.run({"load", a, b, c});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("dependency cycle: a -> b -> c -> a") != std::string::npos);
  CHECK(env.snapshot() == before);
  r = env.run({"load", a});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("task 'a' depends on 'b', which is not loaded and not in these files") != std::string::npos);
  r = env.run({"validate", a, b, c});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("dependency cycle") != std::string::npos);
  auto self = env.write("s.toml", "[task]\nid = \"s\"\ndepends_on = [\"s\"]\n[task.wrapper]\ncommand = \"true\"\n");
  CHECK(env.run({"load", self}).err.find("a task cannot depend on itself") != std::string::npos);

  // A dependency that runs but never becomes healthy: the dependent fails
  // at its start_timeout, naming it.
  int port = free_port();
  auto dead = env.write("dead.toml", "[task]\nid = \"dead\"\n[task.wrapper]\ntype = \"watchdog\"\ncommand = \"sleep 100\"\n"
                                     "[task.wrapper.health]\ntype = \"tcp\"\nport = " + std::to_string(port) +
                                     "\ninterval = \"200ms\"\n");
  auto user = env.write("user.toml", "[task]\nid = \"user\"\ndepends_on = [\"dead\"]\nstart_when = \"healthy\"\n"
                                     "start_timeout = \"1500ms\"\n[task.wrapper]\ncommand = \"sleep 100\"\n");
  REQUIRE(env.run({"load", dead, user}).exit_code == 0);
  r = env.run({"start", "user"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("started dead") == 0);
  CHECK(r.err.find("user: not started: its dependency 'dead' did not become healthy within 1s500ms") != std::string::npos);
  CHECK(env.state("dead").phase == spmi::Phase::Running);
  // healthy on a task without health check is a load error.
  auto plain = env.write("plain.toml", "[task]\nid = \"plain\"\n[task.wrapper]\ncommand = \"sleep 100\"\n");
  auto needs = env.write("needs.toml", "[task]\nid = \"needs\"\ndepends_on = [\"plain\"]\nstart_when = \"healthy\"\n"
                                       "[task.wrapper]\ncommand = \"true\"\n");
  r = env.run({"load", plain, needs});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("waits for 'plain' to be healthy, but 'plain' has no health check") != std::string::npos);
}
