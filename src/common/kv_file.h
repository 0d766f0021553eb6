// The "kv" text format of spmi's state files (see state/schema.md):
//
//   <kind> <version>          first line, e.g. "spmi-spec 1"
//   key=value                 one per line; a key may repeat to form a list
//
// Values escape backslash, control bytes and newlines (\\ \n \r \t \xHH), so
// every value is one line. Small enough for the wrapper to parse without a
// JSON library, readable with `cat`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spmi {

class KvFile {
 public:
  KvFile() = default;
  KvFile(std::string kind, int version) : kind_(std::move(kind)), version_(version) {}

  const std::string& kind() const { return kind_; }
  int version() const { return version_; }

  void add(std::string_view key, std::string_view value);
  void add_int(std::string_view key, long long value);
  // The first value of `key`, if present.
  std::optional<std::string> get(std::string_view key) const;
  // The same without a copy: null when absent; valid until the next change.
  const std::string* find(std::string_view key) const;
  // The first value of `key` as an integer; `fallback` when absent or not one.
  long long get_int(std::string_view key, long long fallback) const;
  // Every value of `key`, in file order.
  std::vector<std::string> get_all(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

  // The file's text.
  std::string serialize() const;
  // Parses `text`; false with `err` when it is not a kv file of kind `kind`.
  // A version newer than `max_version` is refused so old readers never guess.
  bool parse(std::string_view text, std::string_view kind, int max_version, std::string* err);

 private:
  std::string kind_;
  int version_ = 0;
  std::vector<std::pair<std::string, std::string>> entries_;
  // After parse(): a hash table of the keys (open addressing, at most half
  // full), so a lookup is one hash and usually one comparison, and an
  // absent key (most of parse_spec's ninety-odd lookups per spec; `spmi
  // list` parses thousands) usually meets an empty slot at once. slots_
  // holds 1 + the position of a key's first entry (0: empty); next_ links
  // each entry to the next one with the same key (kNoEntry: none), so
  // get_all() walks a list's values in file order without a scan. Both are
  // empty after add(): lookups then scan.
  static constexpr uint32_t kNoEntry = 0xffffffffu;
  std::vector<uint32_t> slots_;
  std::vector<uint32_t> next_;
  uint32_t first_entry(std::string_view key) const;  // kNoEntry when absent
};

// Encodes one value so it fits on one line.
std::string kv_escape(std::string_view value);
// Reverses kv_escape; false on a malformed escape.
bool kv_unescape(std::string_view text, std::string* out);

// Parses a decimal integer that fills all of `text`.
bool parse_ll(std::string_view text, long long* out);

}  // namespace spmi
