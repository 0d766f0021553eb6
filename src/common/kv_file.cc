// The kv state-file format: encoding, decoding and lookups.
#include "common/kv_file.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace spmi {

void KvFile::add(std::string_view key, std::string_view value) {
  entries_.emplace_back(std::string(key), std::string(value));
  slots_.clear();
  next_.clear();
}

void KvFile::add_int(std::string_view key, long long value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld", value);
  add(key, buf);
}

namespace {
// The length and the first and last eight bytes, multiplied together: keys
// are short identifiers that differ in length or at one end ("restart_",
// "health_", "_ms"), and a byte loop cost more than the rest of a lookup.
// A collision only costs a comparison more.
uint32_t key_hash(std::string_view key) {
  uint64_t head = 0, tail = 0;
  size_t n = key.size();
  if (n == 0) return 0;  // (an empty view may have no data pointer for memcpy)
  std::memcpy(&head, key.data(), std::min<size_t>(n, 8));
  if (n > 8) {
    size_t t = std::min<size_t>(n - 8, 8);  // the last bytes the head did not take
    std::memcpy(&tail, key.data() + n - t, t);
  }
  uint64_t h = (head * 0x9e3779b97f4a7c15ull) ^ (tail + n) * 0xc2b2ae3d27d4eb4full;
  return static_cast<uint32_t>(h >> 32) ^ static_cast<uint32_t>(h);
}
}  // namespace

uint32_t KvFile::first_entry(std::string_view key) const {
  if (slots_.empty()) {
    for (size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first == key) return static_cast<uint32_t>(i);
    return kNoEntry;
  }
  const size_t mask = slots_.size() - 1;
  for (size_t h = key_hash(key) & mask; slots_[h] != 0; h = (h + 1) & mask) {
    uint32_t e = slots_[h] - 1;
    if (entries_[e].first == key) return e;
  }
  return kNoEntry;
}

const std::string* KvFile::find(std::string_view key) const {
  uint32_t e = first_entry(key);
  return e == kNoEntry ? nullptr : &entries_[e].second;
}

std::optional<std::string> KvFile::get(std::string_view key) const {
  const std::string* v = find(key);
  if (!v) return std::nullopt;
  return *v;
}

long long KvFile::get_int(std::string_view key, long long fallback) const {
  long long v = 0;
  const std::string* text = find(key);
  return text && parse_ll(*text, &v) ? v : fallback;
}

std::vector<std::string> KvFile::get_all(std::string_view key) const {
  std::vector<std::string> out;
  uint32_t e = first_entry(key);
  if (e == kNoEntry) return out;
  if (next_.empty()) {  // built by add(): scan from the first
    for (size_t i = e; i < entries_.size(); ++i)
      if (entries_[i].first == key) out.push_back(entries_[i].second);
    return out;
  }
  for (; e != kNoEntry; e = next_[e]) out.push_back(entries_[e].second);
  return out;
}

std::string kv_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool kv_unescape(std::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    // The bytes up to the next escape in one piece (most values have none).
    size_t plain = std::min(text.find('\\', i), text.size());
    out->append(text.data() + i, plain - i);
    if ((i = plain) == text.size()) break;
    if (++i >= text.size()) return false;
    switch (text[i]) {
      case '\\': *out += '\\'; break;
      case 'n': *out += '\n'; break;
      case 'r': *out += '\r'; break;
      case 't': *out += '\t'; break;
      case 'x': {
        if (i + 2 >= text.size()) return false;
        int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
        if (hi < 0 || lo < 0) return false;
        *out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default: return false;
    }
  }
  return true;
}

bool parse_ll(std::string_view text, long long* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::string KvFile::serialize() const {
  std::string out = kind_ + " " + std::to_string(version_) + "\n";
  for (const auto& [k, v] : entries_) {
    out += k;
    out += '=';
    out += kv_escape(v);
    out += '\n';
  }
  return out;
}

bool KvFile::parse(std::string_view text, std::string_view kind, int max_version, std::string* err) {
  entries_.clear();
  slots_.clear();
  next_.clear();
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) {
    *err = "empty or truncated file (no header line)";
    return false;
  }
  std::string_view header = text.substr(0, nl);
  size_t sp = header.find(' ');
  long long version = 0;
  if (sp == std::string_view::npos || header.substr(0, sp) != kind ||
      !parse_ll(header.substr(sp + 1), &version)) {
    *err = "not a '" + std::string(kind) + "' file (bad header line)";
    return false;
  }
  if (version < 1 || version > max_version) {
    *err = "layout version " + std::to_string(version) + " is not supported (this spmi reads up to " +
           std::to_string(max_version) + ")";
    return false;
  }
  kind_ = std::string(kind);
  version_ = static_cast<int>(version);
  size_t pos = nl + 1;
  int line_no = 1;
  entries_.reserve(static_cast<size_t>(std::count(text.begin() + pos, text.end(), '\n')));
  while (pos < text.size()) {
    ++line_no;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      *err = "line " + std::to_string(line_no) + ": truncated (no final newline)";
      return false;
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t eq = line.find('=');
    std::string value;
    if (eq == std::string_view::npos || eq == 0 || !kv_unescape(line.substr(eq + 1), &value)) {
      *err = "line " + std::to_string(line_no) + ": malformed entry";
      return false;
    }
    entries_.emplace_back(std::string(line.substr(0, eq)), std::move(value));
  }
  if (entries_.size() >= kNoEntry / 4) {
    *err = "too many entries";
    return false;
  }
  size_t size = 16;
  while (size < 2 * entries_.size()) size *= 2;
  slots_.assign(size, 0);
  next_.assign(entries_.size(), kNoEntry);
  // From the last entry back: each key's slot ends at its first entry, and
  // each entry links to the next one with its key, in file order.
  const size_t mask = size - 1;
  for (uint32_t i = static_cast<uint32_t>(entries_.size()); i-- > 0;) {
    size_t h = key_hash(entries_[i].first) & mask;
    while (slots_[h] != 0 && entries_[slots_[h] - 1].first != entries_[i].first) h = (h + 1) & mask;
    if (slots_[h] != 0) next_[i] = slots_[h] - 1;
    slots_[h] = i + 1;
  }
  return true;
}

}  // namespace spmi
