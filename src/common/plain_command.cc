// Recognising shell commands that are plain program invocations.
#include "common/plain_command.h"

#include <cstring>
#include <string_view>

namespace spmi {

namespace {

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("_-./,:+@%=", c) != nullptr;
}

// Reserved words and dash's builtins (dash(1)): as the first word they are
// the shell's, never a program from PATH.
constexpr std::string_view kShellWords[] = {
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in",
    "function", "select", "time", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo",
    "eval", "exec", "exit", "export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local",
    "printf", "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type",
    "ulimit", "umask", "unalias", "unset", "wait", ".",
};

}  // namespace

std::vector<std::string> plain_command_words(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  for (char c : command) {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else if (plain_char(c)) {
      word += c;
    } else {
      return {};
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty() || words[0].find('=') != std::string::npos) return {};
  for (std::string_view w : kShellWords)
    if (words[0] == w) return {};
  return words;
}

}  // namespace spmi
