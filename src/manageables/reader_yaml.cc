// YAML descriptors (yaml-cpp) -> the format-neutral tree.
//
// yaml-cpp leaves scalars untyped; plain (unquoted) scalars are resolved with
// the YAML 1.2 core schema (null, true/false, integers, floats), quoted ones
// are always strings. So `mixed_stdout: yes` is the string "yes" (an error
// for a boolean key), as in JSON and TOML, not YAML 1.1's true.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <unordered_set>

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

// The tree from yaml-cpp's nodes, within `budget`. An alias is the node it
// names, shared in yaml-cpp's graph but copied here: the budget counts every
// use, so an alias bomb stops at the limit instead of expanding to gigabytes.
Node convert(const YAML::Node& n, int depth, TreeBudget* budget, const std::string& file,
             std::vector<Diagnostic>* diags) {
  Node out;
  out.pos = pos_of(n.Mark());
  if (!budget->take(depth, out.pos, diags)) return out;
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      out.kind = Node::Kind::Table;
      std::unordered_set<std::string> keys;  // a linear search per key was quadratic
      for (const auto& kv : n) {
        if (budget->exceeded()) break;
        Entry e;
        e.key_pos = pos_of(kv.first.Mark());
        if (!kv.first.IsScalar()) {
          diags->push_back({file, e.key_pos, "YAML keys must be plain strings"});
          continue;
        }
        e.key = kv.first.Scalar();
        if (!keys.insert(e.key).second) {
          diags->push_back({file, e.key_pos, "duplicate key '" + e.key + "'"});
          continue;
        }
        e.value = convert(kv.second, depth + 1, budget, file, diags);
        out.entries.push_back(std::move(e));
      }
      break;
    }
    case YAML::NodeType::Sequence:
      out.kind = Node::Kind::Array;
      for (const auto& item : n) {
        if (budget->exceeded()) break;
        out.items.push_back(convert(item, depth + 1, budget, file, diags));
      }
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

// A first pass over the event stream that builds nothing: counts the
// documents and the events (a huge flow sequence would otherwise become a
// yaml-cpp node graph of hundreds of bytes per value before any check), and
// notices when the parser stops making progress. yaml-cpp 0.7's LoadAll
// loops forever on a stream that starts with ',' (fixed upstream in 0.9:
// HandleNextDocument keeps returning an empty document at the same place),
// so the documents are read here one at a time, and at most two.
class EventCounter : public YAML::EventHandler {
 public:
  size_t events = 0;
  YAML::Mark first;  // of the current document
  bool any = false;

  void OnDocumentStart(const YAML::Mark& m) override {
    first = m;
    any = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { note(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& m) {
    if (!any) first = m;
    any = true;
    if (++events > kMaxDescriptorValues) throw YAML::ParserException(m, "too many values");
  }
};

}  // namespace

bool parse_yaml(Document* doc, std::vector<Diagnostic>* diags) {
  try {
    {
      std::istringstream in(doc->text);
      YAML::Parser parser(in);
      EventCounter counter;
      int documents = 0;
      YAML::Mark previous;
      while (documents < 2 && parser.HandleNextDocument(counter)) {
        if (documents == 1 && counter.first.pos == previous.pos) {
          // No progress: yaml-cpp is stuck on a token it cannot place.
          diags->push_back({doc->path, pos_of(counter.first), "YAML syntax error: unexpected token"});
          return false;
        }
        previous = counter.first;
        ++documents;
      }
      if (documents > 1) {
        diags->push_back({doc->path, pos_of(counter.first), "a descriptor holds one YAML document, this file has more"});
        return false;
      }
      if (counter.events > kMaxDescriptorValues) return false;  // not reached: the counter throws
    }
    YAML::Node root = YAML::Load(doc->text);
    size_t before = diags->size();
    TreeBudget budget(doc->path);
    doc->root = root.IsDefined() && !root.IsNull() ? convert(root, 1, &budget, doc->path, diags) : Node{};
    return diags->size() == before;
  } catch (const YAML::Exception& e) {
    std::string msg = e.msg == "too many values"
                          ? "holds more than " + std::to_string(kMaxDescriptorValues) + " values; not a descriptor"
                          : "YAML syntax error: " + e.msg;
    diags->push_back({doc->path, pos_of(e.mark), msg});
    return false;
  }
}

}  // namespace spmi
