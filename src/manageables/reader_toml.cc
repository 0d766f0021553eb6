// TOML descriptors (toml++) -> the format-neutral tree.
//
// Two guards around toml++ 3.3, both found by fuzzing:
//   - toml++ checks some invariants with TOML_ASSERT, an abort in debug
//     builds; "[{[z" reaches one from input. Release builds compile the
//     checks out and report a syntax error for it; here every build does
//     (the ASan build runs the same input and checks memory safety).
//   - is_non_ascii_horizontal_whitespace() reaches TOML_UNREACHABLE
//     (__builtin_unreachable: undefined behaviour) for every code point from
//     U+00A1 to U+0499 met outside a string, e.g. a line starting with
//     "\xce\xa4" or a bare key "café". TOML 1.0 allows non-ASCII characters
//     only in strings and comments, so such a file is refused before the
//     parser sees it (first_non_ascii_outside_strings, hand-written: toml++
//     has no hook for it).
#include <toml++/impl/preprocessor.h>
#undef TOML_ASSERT
#define TOML_ASSERT(expr) static_cast<void>(0)
#undef TOML_ASSERT_ASSUME
#define TOML_ASSERT_ASSUME(expr) static_cast<void>(0)
#include <toml++/toml.h>

#include <cstring>

#include "manageables/reader.h"

namespace spmi {

namespace {

SourcePos pos_of(const toml::source_region& r) {
  return SourcePos{static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

Node convert(const toml::node& n, int depth, TreeBudget* budget, std::vector<Diagnostic>* diags) {
  Node out;
  out.pos = pos_of(n.source());
  if (!budget->take(depth, out.pos, diags)) return out;
  switch (n.type()) {
    case toml::node_type::table:
      out.kind = Node::Kind::Table;
      for (const auto& [k, v] : *n.as_table()) {
        if (budget->exceeded()) break;
        Entry e;
        e.key = std::string(k.str());
        e.key_pos = pos_of(k.source());
        e.value = convert(v, depth + 1, budget, diags);
        out.entries.push_back(std::move(e));
      }
      break;
    case toml::node_type::array:
      out.kind = Node::Kind::Array;
      for (const auto& item : *n.as_array()) {
        if (budget->exceeded()) break;
        out.items.push_back(convert(item, depth + 1, budget, diags));
      }
      break;
    case toml::node_type::string:
      out.kind = Node::Kind::String;
      out.str = n.as_string()->get();
      break;
    case toml::node_type::integer:
      out.kind = Node::Kind::Integer;
      out.integer = n.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      out.kind = Node::Kind::Float;
      out.real = n.as_floating_point()->get();
      break;
    case toml::node_type::boolean:
      out.kind = Node::Kind::Bool;
      out.boolean = n.as_boolean()->get();
      break;
    case toml::node_type::date: out.kind = Node::Kind::Other; out.str = "date"; break;
    case toml::node_type::time: out.kind = Node::Kind::Other; out.str = "time"; break;
    case toml::node_type::date_time: out.kind = Node::Kind::Other; out.str = "date-time"; break;
    case toml::node_type::none: break;
  }
  return out;
}

// The first byte >= 0x80 outside strings and comments (npos when none). A
// small lexer of TOML's four string forms and comments; an unterminated
// string ends the scan (the parser reports it).
size_t first_non_ascii_outside_strings(const std::string& t) {
  size_t i = 0, n = t.size();
  auto starts = [&](size_t at, const char* s) { return t.compare(at, std::strlen(s), s) == 0; };
  while (i < n) {
    char c = t[i];
    if (static_cast<unsigned char>(c) >= 0x80) return i;
    if (c == '#') {
      while (i < n && t[i] != '\n') ++i;
    } else if (starts(i, "\"\"\"") || starts(i, "'''")) {
      bool basic = c == '"';
      const char* close = basic ? "\"\"\"" : "'''";
      i += 3;
      while (i < n && !starts(i, close)) i += basic && t[i] == '\\' ? 2 : 1;
      i += 3;
      while (i < n && t[i] == c) ++i;  // up to two quotes may end the content
    } else if (c == '"' || c == '\'') {
      ++i;
      while (i < n && t[i] != c && t[i] != '\n') i += c == '"' && t[i] == '\\' ? 2 : 1;
      ++i;
    } else {
      ++i;
    }
  }
  return std::string::npos;
}

}  // namespace

bool parse_toml(Document* doc, std::vector<Diagnostic>* diags) {
  if (size_t at = first_non_ascii_outside_strings(doc->text); at != std::string::npos) {
    diags->push_back({doc->path, LineIndex(doc->text).at(at),
                      "TOML syntax error: a non-ASCII character outside a string or comment (TOML allows them only "
                      "in strings and comments; quote the key or the value)"});
    return false;
  }
  try {
    toml::table table = toml::parse(doc->text, doc->path);
    TreeBudget budget(doc->path);
    size_t before = diags->size();
    doc->root = convert(table, 1, &budget, diags);
    doc->root.pos = SourcePos{1, 1};
    return diags->size() == before;
  } catch (const toml::parse_error& e) {
    diags->push_back({doc->path, pos_of(e.source()), "TOML syntax error: " + std::string(e.description())});
    return false;
  }
}

}  // namespace spmi
