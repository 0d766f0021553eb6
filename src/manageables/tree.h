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

// What a descriptor may hold. Every reader enforces these while it builds
// the tree, so no input (a 1-byte YAML file, an alias bomb, JSON nested
// 500,000 deep) can exhaust the stack or memory: the file is refused with an
// error naming it. Real descriptors are a few levels deep; a 1000-task
// project holds about 20,000 values.
inline constexpr size_t kMaxDescriptorBytes = 4 * 1024 * 1024;
inline constexpr int kMaxDescriptorDepth = 64;
inline constexpr size_t kMaxDescriptorValues = 250000;

// Counts the values a reader builds and the depth it builds them at. The
// first excess is reported once (with its position); the reader then stops
// building.
class TreeBudget {
 public:
  explicit TreeBudget(std::string file) : file_(std::move(file)) {}
  // Called for each value (container or scalar) at nesting `depth` (the
  // root is 1). False once the budget is exceeded.
  bool take(int depth, const SourcePos& pos, std::vector<Diagnostic>* diags);
  bool exceeded() const { return exceeded_; }

 private:
  std::string file_;
  size_t values_ = 0;
  bool exceeded_ = false;
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
