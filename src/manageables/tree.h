// The format-neutral descriptor tree. TOML, YAML and JSON readers all produce
// it, with the file position of every value and key, so validation is written
// once and every message can say file:line:column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spmi {

struct SourcePos {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
};

struct Entry;

struct Node {
  enum class Kind { Null, Bool, Integer, Float, String, Array, Table, Other };
  Kind kind = Kind::Null;
  SourcePos pos;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string str;            // String; for Other, the format's type name
  std::vector<Node> items;    // Array
  std::vector<Entry> entries; // Table, in file order

  // The value of `key` in a Table (nullptr when absent).
  const Node* find(std::string_view key) const;
  const Entry* find_entry(std::string_view key) const;
};

struct Entry {
  std::string key;
  SourcePos key_pos;
  Node value;
};

// "a string", "an integer", ... for messages.
std::string describe_kind(const Node& n);

// One problem found in a descriptor.
struct Diagnostic {
  std::string file;
  SourcePos pos;
  std::string message;
  // "file:line:column: message" (line/column left out when unknown).
  std::string format() const;
};

// A parsed descriptor file.
struct Document {
  std::string path;    // as given by the user
  std::string format;  // "toml", "yaml" or "json"
  std::string text;    // the file's bytes
  Node root;
};

// Maps byte offsets to 1-based line/column (columns count bytes).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  SourcePos at(size_t offset) const;

 private:
  std::vector<size_t> starts_;
};

}  // namespace spmi
