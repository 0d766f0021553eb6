// The task's environment (see task_env.h).
#include "common/task_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/fd.h"

namespace spmi {

namespace {

constexpr size_t kMaxSecretFile = 64 * 1024;

bool decode_base64(const std::string& in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  unsigned buf = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = value(in[i]);
    if (v < 0) return false;
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=') return false;
  return true;
}

bool decode_hex(const std::string& in, std::string* out) {
  if (in.size() % 2) return false;
  for (size_t i = 0; i < in.size(); i += 2) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = in[i + static_cast<size_t>(k)];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    *out += static_cast<char>(v);
  }
  return true;
}

void set(std::vector<std::pair<std::string, std::string>>* env, const std::string& k, const std::string& v) {
  for (auto& e : *env)
    if (e.first == k) {
      e.second = v;
      return;
    }
  env->emplace_back(k, v);
}

}  // namespace

bool resolve_env_value(const std::string& value, std::string* out, std::string* err) {
  out->clear();
  // An environment entry ends at its first NUL: the rest would be lost
  // without a word (found by fuzz_env_file in an env_file value).
  if (value.find('\0') != std::string::npos) {
    *err = "contains a NUL byte";
    return false;
  }
  if (value.rfind("@@", 0) == 0) {
    *out = value.substr(1);
    return true;
  }
  if (value.rfind("@file:", 0) == 0) {
    std::string path = value.substr(6);
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
      *err = "@file:" + path + ": " + errno_text(errno);
      return false;
    }
    if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > kMaxSecretFile) {
      *err = "@file:" + path + ": must be a regular file of at most 64 KiB";
      return false;
    }
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 && out->size() <= kMaxSecretFile)
      out->append(buf, static_cast<size_t>(n));
    if (!out->empty() && out->back() == '\n') out->pop_back();
    if (out->find('\0') != std::string::npos) {
      *err = "@file:" + path + ": contains a NUL byte";
      return false;
    }
    return true;
  }
  bool ok = true;
  if (value.rfind("@base64:", 0) == 0) ok = decode_base64(value.substr(8), out);
  else if (value.rfind("@hex:", 0) == 0) ok = decode_hex(value.substr(5), out);
  else *out = value;
  if (!ok || out->find('\0') != std::string::npos) {
    *err = value.rfind("@base64:", 0) == 0 ? "not valid base64 (or decodes to a NUL byte)"
                                             : "not valid hex (or decodes to a NUL byte)";
    return false;
  }
  return true;
}

bool parse_env_file(const std::string& path, const std::string& text,
                    std::vector<std::pair<std::string, std::string>>* out, std::string* err) {
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    std::string key = eq == std::string::npos ? "" : line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    bool valid = !key.empty();
    for (char c : key) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!valid) {
      *err = path + ":" + std::to_string(line_no) + ": expected KEY=VALUE";
      return false;
    }
    std::string value = line.substr(eq + 1);
    size_t vs = value.find_first_not_of(" \t");
    value = vs == std::string::npos ? "" : value.substr(vs);
    if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
      value = value.substr(1, value.size() - 2);
    set(out, key, value);
  }
  return true;
}

bool build_task_env(const TaskSpec& spec, char** base, const RunIdentity& who,
                    const std::vector<std::pair<std::string, std::string>>& extra,
                    const std::vector<std::string>& remove, std::vector<std::string>* out, std::string* err) {
  const ProcessSettings& p = spec.process;
  std::vector<std::pair<std::string, std::string>> env;
  static const char* const kMinimal[] = {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG"};
  for (char** e = base; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (!eq) continue;
    std::string k(*e, static_cast<size_t>(eq - *e));
    bool keep = p.inherit_env;
    for (const char* m : kMinimal) keep = keep || k == m;
    if (keep) env.emplace_back(k, eq + 1);
  }
  if (!who.user.empty()) {
    set(&env, "HOME", who.home);
    set(&env, "USER", who.user);
    set(&env, "LOGNAME", who.user);
    set(&env, "SHELL", who.shell.empty() ? "/bin/sh" : who.shell);
  }
  std::vector<std::pair<std::string, std::string>> own;
  if (!p.env_file.empty()) {
    std::string text, e;
    if (!read_file(p.env_file, &text, &e)) {
      *err = "env_file: " + e;
      return false;
    }
    if (!parse_env_file(p.env_file, text, &own, err)) return false;
  }
  for (const auto& [k, v] : spec.env) set(&own, k, v);
  for (const auto& [k, v] : own) {
    std::string value, e;
    if (!resolve_env_value(v, &value, &e)) {
      *err = "environment variable " + k + ": " + e;
      return false;
    }
    set(&env, k, value);
  }
  for (const auto& [k, v] : extra) set(&env, k, v);
  out->clear();
  for (const auto& [k, v] : env)
    if (std::find(remove.begin(), remove.end(), k) == remove.end()) out->push_back(k + "=" + v);
  return true;
}

}  // namespace spmi
