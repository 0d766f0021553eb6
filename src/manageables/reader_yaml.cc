// YAML descriptors (yaml-cpp) -> the format-neutral tree.
//
// yaml-cpp leaves scalars untyped; plain (unquoted) scalars are resolved with
// the YAML 1.2 core schema (null, true/false, integers, floats), quoted ones
// are always strings. So `mixed_stdout: yes` is the string "yes" (an error
// for a boolean key), as in JSON and TOML, not YAML 1.1's true.
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <regex>

#include "manageables/reader.h"

namespace spmi {

namespace {

SourcePos pos_of(const YAML::Mark& m) {
  if (m.line < 0) return {};
  return SourcePos{m.line + 1, m.column + 1};
}

void resolve_plain(const std::string& s, Node* out) {
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    out->kind = Node::Kind::Null;
  } else if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    out->kind = Node::Kind::Bool;
    out->boolean = s[0] == 't' || s[0] == 'T';
  } else if (std::regex_match(s, int_re)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == ERANGE) {
      out->kind = Node::Kind::String;
      out->str = s;
    } else {
      out->kind = Node::Kind::Integer;
      out->integer = v;
    }
  } else if (std::regex_match(s, float_re)) {
    out->kind = Node::Kind::Float;
    out->real = std::strtod(s.c_str(), nullptr);
  } else {
    out->kind = Node::Kind::String;
    out->str = s;
  }
}

Node convert(const YAML::Node& n, const std::string& file, std::vector<Diagnostic>* diags) {
  Node out;
  out.pos = pos_of(n.Mark());
  switch (n.Type()) {
    case YAML::NodeType::Map:
      out.kind = Node::Kind::Table;
      for (const auto& kv : n) {
        Entry e;
        e.key_pos = pos_of(kv.first.Mark());
        if (!kv.first.IsScalar()) {
          diags->push_back({file, e.key_pos, "YAML keys must be plain strings"});
          continue;
        }
        e.key = kv.first.Scalar();
        if (out.find_entry(e.key)) {
          diags->push_back({file, e.key_pos, "duplicate key '" + e.key + "'"});
          continue;
        }
        e.value = convert(kv.second, file, diags);
        out.entries.push_back(std::move(e));
      }
      break;
    case YAML::NodeType::Sequence:
      out.kind = Node::Kind::Array;
      for (const auto& item : n) out.items.push_back(convert(item, file, diags));
      break;
    case YAML::NodeType::Scalar:
      if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") {
        out.kind = Node::Kind::String;
        out.str = n.Scalar();
      } else {
        resolve_plain(n.Scalar(), &out);
      }
      break;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out.kind = Node::Kind::Null;
      break;
  }
  return out;
}

}  // namespace

bool parse_yaml(Document* doc, std::vector<Diagnostic>* diags) {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(doc->text);
    if (docs.size() > 1) {
      diags->push_back({doc->path, pos_of(docs[1].Mark()), "a descriptor holds one YAML document, this file has " +
                                                                std::to_string(docs.size())});
      return false;
    }
    size_t before = diags->size();
    doc->root = docs.empty() ? Node{} : convert(docs[0], doc->path, diags);
    return diags->size() == before;
  } catch (const YAML::Exception& e) {
    diags->push_back({doc->path, pos_of(e.mark), "YAML syntax error: " + e.msg});
    return false;
  }
}

}  // namespace spmi
