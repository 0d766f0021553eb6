// One table per kv record (the spec, the state): each row is a key, the
// field it holds and the rule for writing and reading it, so a key is one
// row. serialize and parse walk the table in order; the file format itself
// is kv_file.h, the keys are documented in state/schema.md.
//
//   number<At<&TaskSpec::restart, &RestartSettings::delay_ms>>("restart_delay_ms")
//
// Rules: Required keys are always written and a file without one is
// refused; Always keys are always written and take the field's default when
// absent; UnlessDefault keys are written only when the field differs from a
// default-constructed record's. A row may also carry a predicate (`when`):
// the key is written only when it holds (health_* only with a health check).
// Reading starts from a default-constructed record.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "common/kv_file.h"

namespace spmi::kv {

// The field a row holds: a path of member pointers from the record.
template <auto First, auto... Rest>
struct At {
  template <class R>
  static auto& in(R& r) {
    return ((r.*First) .* ... .* Rest);
  }
};

template <class R>
struct Field {
  const char* key;
  // Writes the key's value(s) for `r`, or nothing; `defaults` is a
  // default-constructed record, for the UnlessDefault rule.
  void (*write)(const R& r, const R& defaults, const char* key, KvFile& kv);
  // False with `err` when the value is damaged (or a Required key missing).
  bool (*read)(const KvFile& kv, const char* key, R& r, std::string* err);
};

enum class Rule { Required, Always, UnlessDefault };

namespace detail {

template <class T, class C>
C record_of(T C::*);
template <class Path>
struct PathTraits;
template <auto First, auto... Rest>
struct PathTraits<At<First, Rest...>> {
  using Record = decltype(record_of(First));
};
template <class Path>
using RecordOf = typename PathTraits<Path>::Record;

template <class R, Rule rule, auto when, class Path>
bool should_write(const R& r, const R& defaults) {
  if constexpr (!std::is_null_pointer_v<decltype(when)>)
    if (!when(r)) return false;
  if constexpr (rule == Rule::UnlessDefault) return Path::in(r) != Path::in(defaults);
  return true;
}

inline bool missing(const char* key, std::string* err) {
  *err = std::string("missing '") + key + "'";
  return false;
}

// A required key's value as a whole number.
inline bool required_number(const KvFile& kv, const char* key, long long* n, std::string* err) {
  const std::string* v = kv.find(key);
  if (!v) return missing(key, err);
  if (!parse_ll(*v, n)) {
    *err = std::string("'") + key + "' is not a number";
    return false;
  }
  return true;
}

}  // namespace detail

// A string.
template <class Path, Rule rule = Rule::Always, auto when = nullptr>
constexpr Field<detail::RecordOf<Path>> text(const char* key) {
  using R = detail::RecordOf<Path>;
  return {key,
          [](const R& r, const R& defaults, const char* k, KvFile& kv) {
            if (detail::should_write<R, rule, when, Path>(r, defaults)) kv.add(k, Path::in(r));
          },
          [](const KvFile& kv, const char* k, R& r, std::string* err) {
            const std::string* v = kv.find(k);
            if (v) Path::in(r) = *v;
            else if (rule == Rule::Required) return detail::missing(k, err);
            return true;
          }};
}

// A list of strings: the key once per element, in order.
template <class Path, auto when = nullptr>
constexpr Field<detail::RecordOf<Path>> texts(const char* key) {
  using R = detail::RecordOf<Path>;
  return {key,
          [](const R& r, const R& defaults, const char* k, KvFile& kv) {
            if (detail::should_write<R, Rule::Always, when, Path>(r, defaults))
              for (const auto& v : Path::in(r)) kv.add(k, v);
          },
          [](const KvFile& kv, const char* k, R& r, std::string*) {
            auto all = kv.get_all(k);
            if (!all.empty()) Path::in(r) = std::move(all);
            return true;
          }};
}

// A whole number. An optional one that is not a number keeps its default.
template <class Path, Rule rule = Rule::Always, auto when = nullptr>
constexpr Field<detail::RecordOf<Path>> number(const char* key) {
  using R = detail::RecordOf<Path>;
  return {key,
          [](const R& r, const R& defaults, const char* k, KvFile& kv) {
            if (detail::should_write<R, rule, when, Path>(r, defaults))
              kv.add_int(k, static_cast<long long>(Path::in(r)));
          },
          [](const KvFile& kv, const char* k, R& r, std::string* err) {
            auto& field = Path::in(r);
            using T = std::remove_reference_t<decltype(field)>;
            if (rule != Rule::Required) {
              field = static_cast<T>(kv.get_int(k, static_cast<long long>(field)));
              return true;
            }
            long long n = 0;
            if (!detail::required_number(kv, k, &n, err)) return false;
            field = static_cast<T>(n);
            return true;
          }};
}

// A process id (required): a number the kernel can hand out, so a damaged
// file never names some other process.
template <class Path, long long max_pid>
constexpr Field<detail::RecordOf<Path>> pid(const char* key) {
  using R = detail::RecordOf<Path>;
  return {key, number<Path, Rule::Required>(key).write, [](const KvFile& kv, const char* k, R& r, std::string* err) {
            long long n = 0;
            if (!detail::required_number(kv, k, &n, err)) return false;
            if (n < 0 || n > max_pid) {
              *err = std::string("'") + k + "' is not a process id: " + std::to_string(n);
              return false;
            }
            Path::in(r) = static_cast<std::remove_reference_t<decltype(Path::in(r))>>(n);
            return true;
          }};
}

// A flag: "1" or "0"; anything else keeps the default.
template <class Path, Rule rule = Rule::Always, auto when = nullptr>
constexpr Field<detail::RecordOf<Path>> flag(const char* key) {
  using R = detail::RecordOf<Path>;
  return {key,
          [](const R& r, const R& defaults, const char* k, KvFile& kv) {
            if (detail::should_write<R, rule, when, Path>(r, defaults)) kv.add(k, Path::in(r) ? "1" : "0");
          },
          [](const KvFile& kv, const char* k, R& r, std::string* err) {
            const std::string* v = kv.find(k);
            if (!v) return rule == Rule::Required ? detail::missing(k, err) : true;
            if (*v == "1" || *v == "0") Path::in(r) = *v == "1";
            return true;
          }};
}

// An enum through its name table (common/names.h): `name_of(value)` and
// `from_name(text, &value)`. An unknown name is refused.
template <class Path, auto name_of, auto from_name, Rule rule = Rule::Always, auto when = nullptr>
constexpr Field<detail::RecordOf<Path>> name(const char* key) {
  using R = detail::RecordOf<Path>;
  return {key,
          [](const R& r, const R& defaults, const char* k, KvFile& kv) {
            if (detail::should_write<R, rule, when, Path>(r, defaults)) kv.add(k, name_of(Path::in(r)));
          },
          [](const KvFile& kv, const char* k, R& r, std::string* err) {
            const std::string* v = kv.find(k);
            if (!v) return rule == Rule::Required ? detail::missing(k, err) : true;
            if (from_name(*v, &Path::in(r))) return true;
            *err = std::string("unknown '") + k + "' value '" + *v + "'";
            return false;
          }};
}

// The keys of a table, in file order.
template <class R, size_t N>
std::vector<const char*> keys(const Field<R> (&table)[N]) {
  std::vector<const char*> out;
  for (const auto& f : table) out.push_back(f.key);
  return out;
}

// The file's text: the header, then every row in table order.
template <class R, size_t N>
std::string serialize(const Field<R> (&table)[N], const char* kind, int version, const R& r) {
  KvFile kv(kind, version);
  const R defaults{};  // built once per file, not kept: the static wrappers link these codecs
  for (const auto& f : table) f.write(r, defaults, f.key, kv);
  return kv.serialize();
}

// Parses `text` into a default-constructed record; false with `err` at the
// first damaged row.
template <class R, size_t N>
bool parse(const Field<R> (&table)[N], const char* kind, int max_version, const std::string& text, R* r,
           std::string* err) {
  KvFile kv;
  if (!kv.parse(text, kind, max_version, err)) return false;
  *r = R{};
  for (const auto& f : table)
    if (!f.read(kv, f.key, *r, err)) return false;
  return true;
}

}  // namespace spmi::kv
