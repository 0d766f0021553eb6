// Typed, position-aware descriptor field checks.
#include "manageables/schema.h"

#include "common/duration.h"
#include "common/names.h"
#include "common/signals.h"
#include "common/suggest.h"
#include "manageables/descriptor_keys.h"
#include "manageables/units.h"

namespace spmi {

std::string join_path(std::string_view where, std::string_view key) {
  std::string out(where);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

void Checker::error(const SourcePos& pos, std::string message) {
  out_->push_back({file_, pos, std::move(message)});
}

bool Checker::expect_table(const Node& node, std::string_view where) {
  if (node.kind == Node::Kind::Table) return true;
  error(node.pos, std::string(where) + ": expected a table, got " + describe_kind(node));
  return false;
}

void Checker::check_keys(const Node& table, std::string_view where, std::initializer_list<std::string_view> allowed) {
  check_keys(table, where, std::vector<std::string_view>(allowed));
}

void Checker::check_keys(const Node& table, std::string_view where, const std::vector<std::string_view>& allowed) {
  for (const Entry& e : table.entries) {
    if (contains(allowed, e.key)) continue;
    error(e.key_pos, unknown_key_message(where, e.key, allowed));
  }
}

void Checker::check_section_keys(const Node& table, std::string_view section, std::string_view variant) {
  std::vector<std::string_view> allowed = allowed_keys(section, variant);
  for (const Entry& e : table.entries) {
    if (contains(allowed, e.key)) continue;
    // A key of another variant of this section: say which variant it needs.
    if (const char* only = key_variant(section, e.key)) {
      std::string what = join_path(section, e.key);
      if (section == "task.wrapper")
        error(e.key_pos, what + ": needs type = \"" + only + "\" in [task.wrapper] (the " + std::string(variant) +
                             " wrapper runs the command once: no restarts, health checks, schedules or hooks)");
      else
        error(e.key_pos, what + ": only for a " + only + " check (this one is type = \"" + std::string(variant) + "\")");
      continue;
    }
    error(e.key_pos, unknown_key_message(section, e.key, allowed));
  }
}

std::string unknown_key_message(std::string_view where, std::string_view key, const std::vector<std::string_view>& allowed) {
  std::string msg = "unknown key '" + join_path(where, key) + "'";
  // The right key in the wrong table ("stop_timeout" under [task]).
  if (const char* home = section_of_key(key, where)) return msg + "; '" + std::string(key) + "' belongs in [" + home + "]";
  if (std::string near = did_you_mean(key, allowed); !near.empty()) return msg + near;
  return msg + " (allowed here: " + join(allowed) + ")";
}

bool Checker::get_string(const Node& table, std::string_view where, std::string_view key, bool required,
                         std::string* out) {
  const Node* n = table.find(key);
  if (!n) {
    if (required) error(table.pos, "missing required key '" + join_path(where, key) + "'");
    return false;
  }
  if (n->kind != Node::Kind::String) {
    error(n->pos, join_path(where, key) + ": expected a string, got " + describe_kind(*n) +
                      (n->kind == Node::Kind::Integer || n->kind == Node::Kind::Float ? " (quote it)" : ""));
    return false;
  }
  if (n->str.find('\0') != std::string::npos) {
    error(n->pos, join_path(where, key) + ": must not contain a NUL character");
    return false;
  }
  *out = n->str;
  return true;
}

bool Checker::get_bool(const Node& table, std::string_view where, std::string_view key, bool required, bool* out) {
  const Node* n = table.find(key);
  if (!n) {
    if (required) error(table.pos, "missing required key '" + join_path(where, key) + "'");
    return false;
  }
  if (n->kind != Node::Kind::Bool) {
    error(n->pos, join_path(where, key) + ": expected a boolean (true or false), got " + describe_kind(*n));
    return false;
  }
  *out = n->boolean;
  return true;
}

bool Checker::get_duration(const Node& table, std::string_view where, std::string_view key, int64_t* ms) {
  const Node* n = table.find(key);
  if (!n) return false;
  if (n->kind != Node::Kind::String) {
    error(n->pos, join_path(where, key) + ": expected a duration string like \"10s\" or \"500ms\", got " +
                      describe_kind(*n));
    return false;
  }
  std::string err;
  if (!parse_duration(n->str, ms, &err)) {
    error(n->pos, join_path(where, key) + ": " + err);
    return false;
  }
  return true;
}

bool Checker::get_signal(const Node& table, std::string_view where, std::string_view key, int* sig) {
  const Node* n = table.find(key);
  if (!n) return false;
  if (n->kind != Node::Kind::String) {
    error(n->pos, join_path(where, key) + ": expected a signal name like \"SIGTERM\", got " + describe_kind(*n));
    return false;
  }
  int s = signal_from_name(n->str);
  if (s == 0) {
    error(n->pos, join_path(where, key) + ": unknown signal '" + n->str + "' (known: " + known_signal_names() + ")");
    return false;
  }
  *sig = s;
  return true;
}

bool valid_task_id(std::string_view id, std::string* why) {
  if (id.empty()) {
    *why = "must not be empty";
    return false;
  }
  if (id.size() > 64) {
    *why = "is longer than 64 characters";
    return false;
  }
  if (id[0] == '.') {
    *why = "must not start with a dot";
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-';
    if (!ok) {
      *why = "may only contain letters, digits, '_', '.' and '-'";
      return false;
    }
  }
  return true;
}

bool Checker::get_int(const Node& table, std::string_view where, std::string_view key, long long lo, long long hi,
                      long long* out) {
  const Node* n = table.find(key);
  if (!n) return false;
  if (n->kind != Node::Kind::Integer || n->integer < lo || n->integer > hi) {
    error(n->pos, join_path(where, key) + ": expected a whole number from " + std::to_string(lo) + " to " +
                      std::to_string(hi) + ", got " +
                      (n->kind == Node::Kind::Integer ? std::to_string(n->integer) : describe_kind(*n)));
    return false;
  }
  *out = n->integer;
  return true;
}

bool Checker::get_size(const Node& table, std::string_view where, std::string_view key, const char* example,
                       int64_t* out) {
  const Node* n = table.find(key);
  if (!n) return false;
  std::string err;
  int64_t bytes = 0;
  if (n->kind == Node::Kind::Integer && n->integer > 0) bytes = n->integer;
  else if (n->kind != Node::Kind::String || !parse_byte_size(n->str, &bytes, &err)) {
    error(n->pos, join_path(where, key) + ": " +
                      (err.empty() ? "expected a size like \"" + std::string(example) + "\", got " + describe_kind(*n)
                                   : err));
    return false;
  }
  *out = bytes;
  return true;
}

}  // namespace spmi
