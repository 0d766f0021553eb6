// The identity record (see identity.h). No name lookups here: this file is
// linked into the static wrappers.
#include "common/identity.h"

#include "common/kv_file.h"

namespace spmi {

namespace {
constexpr const char* kKind = "spmi-identity";
constexpr int kVersion = 1;
}  // namespace

std::string serialize_identity(const RunIdentity& id) {
  KvFile kv(kKind, kVersion);
  if (!id.user.empty()) kv.add("user", id.user);
  if (id.changes_user()) kv.add_int("uid", static_cast<long long>(id.uid));
  if (id.changes_group()) {
    kv.add_int("gid", static_cast<long long>(id.gid));
    for (gid_t g : id.groups) kv.add_int("group", static_cast<long long>(g));
  }
  if (!id.home.empty()) kv.add("home", id.home);
  if (!id.shell.empty()) kv.add("shell", id.shell);
  return kv.serialize();
}

bool parse_identity(const std::string& text, RunIdentity* id, std::string* err) {
  KvFile kv;
  if (!kv.parse(text, kKind, kVersion, err)) return false;
  *id = RunIdentity{};
  id->user = kv.get("user").value_or("");
  auto number = [&](const char* key, const std::string& value, long long* out) {
    if (parse_ll(value, out) && *out >= 0 && *out < 4294967295LL) return true;
    *err = std::string(key) + ": not a user or group id: '" + value + "'";
    return false;
  };
  long long v = 0;
  if (auto s = kv.get("uid")) {
    if (!number("uid", *s, &v)) return false;
    id->uid = static_cast<uid_t>(v);
  }
  if (auto s = kv.get("gid")) {
    if (!number("gid", *s, &v)) return false;
    id->gid = static_cast<gid_t>(v);
  }
  for (const auto& s : kv.get_all("group")) {
    if (!number("group", s, &v)) return false;
    id->groups.push_back(static_cast<gid_t>(v));
  }
  id->home = kv.get("home").value_or("");
  id->shell = kv.get("shell").value_or("");
  return true;
}

}  // namespace spmi
