// JSON descriptors (nlohmann/json) -> the format-neutral tree.
//
// nlohmann's DOM keeps no positions, so the tree is built from its SAX
// interface over an iterator that counts the bytes the lexer consumed. Between
// two SAX events the input holds only whitespace, ',' and ':', so a token
// starts at the first other byte after the previous event's end.
#include <nlohmann/json.hpp>

#include <iterator>
#include <unordered_set>

#include "manageables/reader.h"

namespace spmi {

namespace {

// A char iterator that records in *consumed how far the lexer has read.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, const char* base, size_t* consumed) : p_(p), base_(base), consumed_(consumed) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    *consumed_ = static_cast<size_t>(p_ - base_);
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char* base_;
  size_t* consumed_;
};

class TreeBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  TreeBuilder(const Document& doc, const size_t* consumed, std::vector<Diagnostic>* diags)
      : doc_(doc), lines_(doc.text), consumed_(consumed), diags_(diags), budget_(doc.path) {}

  Node root;

  bool null() override { return add(Node{}); }
  bool boolean(bool v) override {
    Node n;
    n.kind = Node::Kind::Bool;
    n.boolean = v;
    return add(std::move(n));
  }
  bool number_integer(number_integer_t v) override {
    Node n;
    n.kind = Node::Kind::Integer;
    n.integer = v;
    return add(std::move(n));
  }
  bool number_unsigned(number_unsigned_t v) override {
    Node n;
    if (v > static_cast<number_unsigned_t>(INT64_MAX)) {
      n.kind = Node::Kind::Float;
      n.real = static_cast<double>(v);
    } else {
      n.kind = Node::Kind::Integer;
      n.integer = static_cast<int64_t>(v);
    }
    return add(std::move(n));
  }
  bool number_float(number_float_t v, const string_t&) override {
    Node n;
    n.kind = Node::Kind::Float;
    n.real = v;
    return add(std::move(n));
  }
  bool string(string_t& v) override {
    Node n;
    n.kind = Node::Kind::String;
    n.str = std::move(v);
    return add(std::move(n));
  }
  bool binary(binary_t&) override { return add(Node{}); }
  bool start_object(std::size_t) override {
    Node n;
    n.kind = Node::Kind::Table;
    return open(std::move(n));
  }
  bool key(string_t& k) override {
    SourcePos p = token_start();
    Node& table = *stack_.back();
    // A set per open table: a linear search per key made a table of many
    // keys quadratic.
    if (!keys_.back().insert(k).second) {
      diags_->push_back({doc_.path, p, "duplicate key '" + k + "'"});
    }
    Entry e;
    e.key = k;
    e.key_pos = p;
    table.entries.push_back(std::move(e));
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override {
    Node n;
    n.kind = Node::Kind::Array;
    return open(std::move(n));
  }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line L, column C: <what>"
    std::string what = ex.what();
    size_t colon = what.find(": ", what.find("column"));
    std::string msg = colon == std::string::npos ? what : what.substr(colon + 2);
    diags_->push_back({doc_.path, lines_.at(*consumed_ > 0 ? *consumed_ - 1 : 0), "JSON syntax error: " + msg});
    return false;
  }

 private:
  SourcePos token_start() {
    size_t i = last_end_;
    const std::string& t = doc_.text;
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n' || t[i] == ',' || t[i] == ':'))
      ++i;
    last_end_ = *consumed_;
    return lines_.at(i);
  }
  // Places a finished value: as the root, an array item, or the last key's value.
  Node* place(Node n) {
    if (stack_.empty()) {
      root = std::move(n);
      return &root;
    }
    Node& parent = *stack_.back();
    if (parent.kind == Node::Kind::Array) {
      parent.items.push_back(std::move(n));
      return &parent.items.back();
    }
    parent.entries.back().value = std::move(n);
    return &parent.entries.back().value;
  }
  // Returning false stops the parse (the budget said why).
  bool add(Node n) {
    n.pos = token_start();
    if (!budget_.take(static_cast<int>(stack_.size()) + 1, n.pos, diags_)) return false;
    place(std::move(n));
    return true;
  }
  bool open(Node n) {
    n.pos = token_start();
    if (!budget_.take(static_cast<int>(stack_.size()) + 1, n.pos, diags_)) return false;
    stack_.push_back(place(std::move(n)));
    keys_.emplace_back();
    return true;
  }
  bool close() {
    last_end_ = *consumed_;
    stack_.pop_back();
    keys_.pop_back();
    return true;
  }

  const Document& doc_;
  LineIndex lines_;
  const size_t* consumed_;
  std::vector<Diagnostic>* diags_;
  // Containers being filled. Pointers stay valid: a container's own vector
  // only grows while it is the innermost open one.
  std::vector<Node*> stack_;
  std::vector<std::unordered_set<std::string>> keys_;  // the keys of each open container
  size_t last_end_ = 0;
  TreeBudget budget_;
};

}  // namespace

bool parse_json(Document* doc, std::vector<Diagnostic>* diags) {
  size_t consumed = 0;
  const char* base = doc->text.data();
  CountingIterator first(base, base, &consumed), last(base + doc->text.size(), base, &consumed);
  size_t before = diags->size();
  TreeBuilder builder(*doc, &consumed, diags);
  bool ok = nlohmann::json::sax_parse(first, last, &builder, nlohmann::json::input_format_t::json, true);
  if (!ok || diags->size() != before) return false;
  doc->root = std::move(builder.root);
  return true;
}

}  // namespace spmi
