// Descriptor tree helpers: lookups, kind names, diagnostics, line indexing.
#include "manageables/tree.h"

#include <algorithm>

namespace spmi {

const Entry* Node::find_entry(std::string_view key) const {
  for (const Entry& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

const Node* Node::find(std::string_view key) const {
  const Entry* e = find_entry(key);
  return e ? &e->value : nullptr;
}

std::string describe_kind(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Null: return "null";
    case Node::Kind::Bool: return "a boolean";
    case Node::Kind::Integer: return "an integer";
    case Node::Kind::Float: return "a float";
    case Node::Kind::String: return "a string";
    case Node::Kind::Array: return "an array";
    case Node::Kind::Table: return "a table";
    case Node::Kind::Other: return "a " + n.str;
  }
  return "?";
}

std::string Diagnostic::format() const {
  std::string out = file;
  if (pos.line > 0) {
    out += ":" + std::to_string(pos.line);
    if (pos.column > 0) out += ":" + std::to_string(pos.column);
  }
  return out + ": " + message;
}

bool TreeBudget::take(int depth, const SourcePos& pos, std::vector<Diagnostic>* diags) {
  if (exceeded_) return false;
  if (depth > kMaxDescriptorDepth) {
    diags->push_back({file_, pos, "nested more than " + std::to_string(kMaxDescriptorDepth) +
                                      " levels deep; not a descriptor"});
    exceeded_ = true;
  } else if (++values_ > kMaxDescriptorValues) {
    bool yaml = file_.ends_with(".yaml") || file_.ends_with(".yml");
    diags->push_back({file_, pos, "holds more than " + std::to_string(kMaxDescriptorValues) + " values" +
                                      (yaml ? " (counting each use of an alias)" : "") + "; not a descriptor"});
    exceeded_ = true;
  }
  return !exceeded_;
}

LineIndex::LineIndex(std::string_view text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

SourcePos LineIndex::at(size_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  size_t line = static_cast<size_t>(it - starts_.begin());  // 1-based
  return SourcePos{static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
}

}  // namespace spmi
