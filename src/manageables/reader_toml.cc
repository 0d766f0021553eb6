// TOML descriptors (toml++) -> the format-neutral tree.
#include <toml++/toml.h>

#include "manageables/reader.h"

namespace spmi {

namespace {

SourcePos pos_of(const toml::source_region& r) {
  return SourcePos{static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

Node convert(const toml::node& n) {
  Node out;
  out.pos = pos_of(n.source());
  switch (n.type()) {
    case toml::node_type::table:
      out.kind = Node::Kind::Table;
      for (const auto& [k, v] : *n.as_table()) {
        Entry e;
        e.key = std::string(k.str());
        e.key_pos = pos_of(k.source());
        e.value = convert(v);
        out.entries.push_back(std::move(e));
      }
      break;
    case toml::node_type::array:
      out.kind = Node::Kind::Array;
      for (const auto& item : *n.as_array()) out.items.push_back(convert(item));
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

}  // namespace

bool parse_toml(Document* doc, std::vector<Diagnostic>* diags) {
  try {
    toml::table table = toml::parse(doc->text, doc->path);
    doc->root = convert(table);
    doc->root.pos = SourcePos{1, 1};
    return true;
  } catch (const toml::parse_error& e) {
    diags->push_back({doc->path, pos_of(e.source()), "TOML syntax error: " + std::string(e.description())});
    return false;
  }
}

}  // namespace spmi
