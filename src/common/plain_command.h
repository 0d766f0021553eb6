// Shell commands that need no shell. `command = "sleep 3600"` is run with
// `sh -c`; when the string is nothing but plain words naming an external
// program, the wrapper executes the program itself, as bash does for
// `bash -c 'sleep 3600'` (dash forks a child and stays as its parent): one
// process per task instead of two, and the task's pid is the program's.
#pragma once

#include <string>
#include <vector>

namespace spmi {

// The words of `command` when the shell would only split it on blanks and
// run an external program: every character is a letter, a digit or one of
// _ - . / , : + @ %, words separated by spaces or tabs, the first word is
// neither a variable assignment, a reserved word nor a dash builtin (echo,
// printf, kill, test, ... behave differently from /bin's programs). Empty
// otherwise: the command goes to `sh -c`. A program the wrapper cannot
// execute is also handed to `sh -c`, so "not found" and exit code 127 are
// the shell's, exactly as before.
std::vector<std::string> plain_command_words(const std::string& command);

}  // namespace spmi
