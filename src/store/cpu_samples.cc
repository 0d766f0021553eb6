// The CPU sample cache: where it lives, its one-line-per-task format.
#include "store/cpu_samples.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <string_view>
#include <unordered_set>

#include "common/atomic_file.h"
#include "common/kv_file.h"

namespace spmi {

namespace {

constexpr const char* kHeader = "spmi-cpu-samples 1";
constexpr int64_t kForgetMs = 24 * 3600 * 1000;  // a task nobody looked at for a day
// About 50 bytes a task: room for a million tasks, read without growing.
constexpr size_t kMaxCacheBytes = size_t{64} << 20;

// `dir` exists (created 0700 if missing), is a directory of the caller's
// and nobody else can write into it.
bool private_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat st;
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
         (st.st_mode & 022) == 0;
}

}  // namespace

int64_t boottime_ms() {
  struct timespec ts;
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string CpuSamples::path_for(const std::string& store_root) {
  struct stat root;
  if (::stat(store_root.c_str(), &root) != 0) return "";
  std::string dir;
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  struct stat xs;
  if (xdg && xdg[0] == '/' && ::stat(xdg, &xs) == 0 && S_ISDIR(xs.st_mode) && xs.st_uid == ::geteuid())
    dir = std::string(xdg) + "/spmi";
  else
    dir = "/tmp/spmi-" + std::to_string(::geteuid());
  if (!private_dir(dir)) return "";
  return dir + "/cpu-" + std::to_string(root.st_dev) + "-" + std::to_string(root.st_ino);
}

namespace {

// The next space-separated field of `line` (advancing it), "" at the end.
std::string_view next_field(std::string_view& line) {
  size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(start);
  size_t end = std::min(line.find(' '), line.size());
  std::string_view field = line.substr(0, end);
  line.remove_prefix(end);
  return field;
}

bool next_number(std::string_view& line, int64_t* out) {
  long long n = 0;
  if (!parse_ll(next_field(line), &n)) return false;
  *out = n;
  return true;
}

}  // namespace

CpuSamples::CpuSamples(const std::string& store_root, const std::vector<std::string>* only)
    : path_(path_for(store_root)), partial_(only != nullptr) {
  if (path_.empty()) return;
  // Streamed a line at a time: with 10,000 tasks the cache is half a
  // megabyte, of which `status t` keeps one line.
  std::unordered_set<std::string_view> wanted;
  if (only) wanted.insert(only->begin(), only->end());
  bool first = true, known = false;
  std::string err;
  read_state_lines(
      path_,
      [&](std::string_view line) {
        if (first) {
          first = false;
          known = line == kHeader;  // another version: start afresh
          return;
        }
        if (!known) return;
        // <id> <run> <at> <cpu> [<at> <cpu> of the sample before]
        std::string_view id = next_field(line);
        if (only && !wanted.contains(id)) return;
        std::string_view run = next_field(line);
        Pair p;
        if (id.empty() || run.empty() || !next_number(line, &p.newest.at_ms) || !next_number(line, &p.newest.cpu_us))
          return;
        p.newest.run = run;
        if (next_number(line, &p.before.at_ms) && next_number(line, &p.before.cpu_us)) p.before.run = p.newest.run;
        else p.before = CpuSample{};
        // The file is written in id order: each insertion lands at the end.
        samples_.insert_or_assign(samples_.end(), std::string(id), std::move(p));
      },
      &err, kMaxCacheBytes);
}

const CpuSample* CpuSamples::usable(const std::string& id, const std::string& run, int64_t now_ms) const {
  auto it = samples_.find(id);
  if (it == samples_.end() || it->second.newest.run != run) return nullptr;
  for (const CpuSample* s : {&it->second.newest, &it->second.before})
    if (s->at_ms > 0 && s->at_ms <= now_ms - kMinCpuWindowMs) return s;
  return nullptr;
}

void CpuSamples::record(const std::string& id, const CpuSample& s) {
  Pair& p = samples_[id];
  changed_ = true;
  if (p.newest.run != s.run || p.newest.at_ms > s.at_ms) {
    p = Pair{s, CpuSample{}};  // another run (or a reboot): start afresh
  } else if (s.at_ms - p.newest.at_ms >= kMinCpuWindowMs) {
    p.before = p.newest;
    p.newest = s;
  } else if (p.before.at_ms > 0) {
    p.newest = s;  // the one before still gives a window of at least 1 s
  } else {
    p.before = p.newest;  // the first two samples, close together
    p.newest = s;
  }
}

void CpuSamples::save() const {
  if (path_.empty() || !changed_ || partial_) return;
  std::string out = std::string(kHeader) + "\n";
  out.reserve(samples_.size() * 64);
  int64_t now = boottime_ms();
  auto number = [&out](int64_t n) {
    char buf[24];
    out += ' ';
    out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
  };
  for (const auto& [id, p] : samples_) {
    const CpuSample& s = p.newest;
    // A sample from before a reboot (BOOTTIME restarted) or long forgotten.
    if (s.at_ms > now || now - s.at_ms > kForgetMs) continue;
    out += id;
    out += ' ';
    out += s.run;
    number(s.at_ms);
    number(s.cpu_us);
    if (p.before.at_ms > 0) {
      number(p.before.at_ms);
      number(p.before.cpu_us);
    }
    out += '\n';
  }
  std::string err;
  write_file_atomic(path_, out, &err, Durability::Volatile);
}

}  // namespace spmi
