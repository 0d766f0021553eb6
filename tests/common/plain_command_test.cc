// Tests of which shell commands the wrapper may run without a shell.
#include <catch2/catch.hpp>

#include "common/plain_command.h"

using namespace spmi;
using Words = std::vector<std::string>;

TEST_CASE("plain program invocations are split into words", "[plain]") {
  CHECK(plain_command_words("sleep 3600") == Words{"sleep", "3600"});
  CHECK(plain_command_words("  /usr/bin/python3\t-m  http.server 8000 ") ==
        Words{"/usr/bin/python3", "-m", "http.server", "8000"});
  CHECK(plain_command_words("rsync -a --bwlimit=1m src/ host:dst,x+y@z%") ==
        Words{"rsync", "-a", "--bwlimit=1m", "src/", "host:dst,x+y@z%"});
}

TEST_CASE("anything the shell would interpret keeps the shell", "[plain]") {
  for (const char* cmd : {"sleep 1; sleep 2", "echo $HOME", "ls *.txt", "cat < in", "a | b", "a && b",
                          "sleep 1 &", "'quoted' word", "\"q\"", "back\\slash", "~/bin/x", "a # comment",
                          "(sub)", "{ a; }", "x=1 prog", "FOO=bar", "a\nb", "", "   ", "prog [x]", "a!b"})
    CHECK(plain_command_words(cmd).empty());
}

TEST_CASE("reserved words and builtins keep the shell", "[plain]") {
  for (const char* cmd : {"echo -e hi", "printf x", "kill 1", "test -f x", "true", "false", "exit 3",
                          "cd /tmp", "exec sleep 1", "wait", "umask 022", ". ./env", "if x", "time sleep 1"})
    CHECK(plain_command_words(cmd).empty());
  // Only as the first word: as arguments they are plain.
  CHECK(plain_command_words("nice echo hi") == Words{"nice", "echo", "hi"});
}
