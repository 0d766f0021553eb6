// Validation helpers over the descriptor tree. A Checker collects every
// problem in a file (mold's habit: report all, then stop), each with the
// position of the offending key or value and its dotted path.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "manageables/tree.h"

namespace spmi {

class Checker {
 public:
  Checker(std::string file, std::vector<Diagnostic>* out) : file_(std::move(file)), out_(out), start_(out->size()) {}

  void error(const SourcePos& pos, std::string message);
  bool ok() const { return out_->size() == start_; }

  // Reports every key of `table` (at path `where`) not in `allowed`, with the
  // nearest allowed key when one is close ("did you mean 'command'?").
  void check_keys(const Node& table, std::string_view where, std::initializer_list<std::string_view> allowed);
  void check_keys(const Node& table, std::string_view where, const std::vector<std::string_view>& allowed);
  // The same with the keys the descriptor key table allows in `section` for
  // `variant` (a wrapper type, a health check type); a key of another variant
  // says which it needs (`schedule` needs type = "watchdog").
  void check_section_keys(const Node& table, std::string_view section, std::string_view variant = "");
  // Reports `table` when it is not a Table. True when it is.
  bool expect_table(const Node& node, std::string_view where);

  // Typed field lookups. `required` reports a missing key (at the table's
  // position); a wrong type is always reported. They return true only when
  // the field is present and well-typed.
  bool get_string(const Node& table, std::string_view where, std::string_view key, bool required, std::string* out);
  bool get_bool(const Node& table, std::string_view where, std::string_view key, bool required, bool* out);
  bool get_duration(const Node& table, std::string_view where, std::string_view key, int64_t* ms);
  bool get_signal(const Node& table, std::string_view where, std::string_view key, int* sig);
  // A whole number within [lo, hi].
  bool get_int(const Node& table, std::string_view where, std::string_view key, long long lo, long long hi,
               long long* out);
  // A size: a positive whole number of bytes or a string like "512MiB"
  // (`example` in the message).
  bool get_size(const Node& table, std::string_view where, std::string_view key, const char* example, int64_t* out);

 private:
  std::string file_;
  std::vector<Diagnostic>* out_;
  size_t start_;
};

// "task.wrapper" + "command" -> "task.wrapper.command".
std::string join_path(std::string_view where, std::string_view key);

// "unknown key 'task.wrapper.comand'; did you mean 'command'?", or where the
// key belongs, or the keys allowed here when nothing is close.
std::string unknown_key_message(std::string_view where, std::string_view key,
                                const std::vector<std::string_view>& allowed);

// True when `id` is a safe task id: [A-Za-z0-9_.-], 1..64 chars, no leading dot.
bool valid_task_id(std::string_view id, std::string* why);

}  // namespace spmi
