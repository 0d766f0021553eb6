// Log files as lines (see log_reader.h). Gzipped rotated files are read with
// zlib.
#include "store/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "common/cron.h"
#include "common/log_settings.h"
#include "common/safe_file.h"

namespace spmi {

bool parse_log_timestamp(const std::string& line, int64_t* ms, std::string* rest) {
  // 2026-11-21T22:07:00.123Z<space>
  if (line.size() < 25 || line[4] != '-' || line[10] != 'T' || line[23] != 'Z' || line[24] != ' ') return false;
  int y, mo, d, h, mi, s, frac;
  if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &y, &mo, &d, &h, &mi, &s, &frac) != 7) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  *ms = (days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + s) *
            1000 +
        frac;
  *rest = line.substr(25);
  return true;
}

// A rotated file compressed by the wrapper ("stdout.log.<time>-<n>.gz").
static bool is_gz(std::string_view name) { return name.ends_with(".gz"); }

std::vector<std::string> rotated_logs(const std::string& path) {
  std::vector<std::string> all = list_rotated_logs(path), out;
  // "x-001" and "x-001.gz" both exist for a moment while compressing: read one.
  for (const auto& n : all) {
    if (is_gz(n) && std::binary_search(all.begin(), all.end(), n.substr(0, n.size() - 3))) continue;
    out.push_back(n);
  }
  return out;
}

namespace {

// A whole log file, plain or gzipped, opened as common/safe_file.h says
// (never through a link, never blocking on a FIFO).
bool read_log(const std::string& path, bool gzipped, std::string* out, ino_t* inode = nullptr) {
  Fd fd = open_log_for_reading(path);
  if (!fd.valid()) return false;
  struct stat st {};
  if (inode) *inode = ::fstat(fd.get(), &st) == 0 ? st.st_ino : 0;
  if (!gzipped) return read_all(fd.get(), out);
  gzFile gz = ::gzdopen(fd.release(), "rb");
  if (!gz) return false;
  char buf[65536];
  int n;
  while ((n = ::gzread(gz, buf, sizeof buf)) > 0) out->append(buf, static_cast<size_t>(n));
  bool ok = n == 0;
  ::gzclose(gz);
  return ok;
}

void split_lines(const std::string& text, bool timestamps, std::vector<LogLine>* out) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    LogLine l;
    std::string raw = text.substr(pos, end - pos);
    if (!timestamps || !parse_log_timestamp(raw, &l.time_ms, &l.text)) l.text = std::move(raw);
    out->push_back(std::move(l));
    pos = end + 1;
  }
}

}  // namespace

std::vector<LogLine> read_log_tail(const std::string& path, bool timestamps, size_t max_lines,
                                   const std::function<bool(const LogLine&)>& keep, std::vector<std::string>* errors,
                                   const LogCut* cut) {
  std::vector<std::string> paths = rotated_logs(path);
  paths.push_back(path);
  std::vector<std::vector<LogLine>> chunks;  // newest file first
  size_t found = 0;
  // Files newer than the cut's are skipped until the cut's file is met
  // (found by inode: a rename keeps it). A cut whose file is gone (already
  // compressed) cannot be placed: then everything is read.
  bool before_cut = !cut || cut->inode == 0;
  if (!before_cut) {
    // Newest first: the cut's file is nearly always the current one.
    before_cut = true;
    for (auto p = paths.rbegin(); p != paths.rend() && before_cut; ++p) {
      struct stat st {};
      if (!is_gz(*p) && ::lstat(p->c_str(), &st) == 0 && st.st_ino == cut->inode) before_cut = false;
    }
  }
  for (auto p = paths.rbegin(); p != paths.rend() && found < max_lines; ++p) {
    std::string text, err;
    ino_t inode = 0;
    if (!before_cut && is_gz(*p)) continue;
    if (!read_log(*p, is_gz(*p), &text, &inode)) {
      int e = errno;
      struct stat st {};
      if (*p != path || ::lstat(p->c_str(), &st) == 0)
        errors->push_back("cannot read " + *p + ": " +
                          (e == ELOOP    ? "it is a symbolic link (spmi never writes one; not followed)"
                           : e == EINVAL ? "it is not a regular file (a FIFO, socket or directory is in its place)"
                                         : errno_text(e)));
      continue;
    }
    if (!before_cut) {
      if (inode != cut->inode) continue;  // the follower's: newer than its start
      before_cut = true;
      if (static_cast<off_t>(text.size()) > cut->offset) text.resize(static_cast<size_t>(cut->offset));
    }
    std::vector<LogLine> lines, kept;
    split_lines(text, timestamps, &lines);
    for (auto& l : lines)
      if (keep(l)) kept.push_back(std::move(l));
    found += kept.size();
    chunks.push_back(std::move(kept));
  }
  std::vector<LogLine> out;
  for (auto c = chunks.rbegin(); c != chunks.rend(); ++c)
    for (auto& l : *c) out.push_back(std::move(l));
  if (out.size() > max_lines) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(max_lines));
  return out;
}

off_t complete_lines_start(int fd, off_t size, size_t n) {
  // Backwards in blocks, counting newlines: the (n+1)th from the end is the
  // one before the wanted line.
  char buf[8192];
  size_t seen = 0;
  off_t end = size;
  while (end > 0) {
    off_t from = std::max<off_t>(0, end - static_cast<off_t>(sizeof buf));
    ssize_t got = ::pread(fd, buf, static_cast<size_t>(end - from), from);
    if (got <= 0) return size;  // unreadable: start at the end, as before
    for (ssize_t i = got; i-- > 0;)
      if (buf[i] == '\n' && ++seen == n + 1) return from + i + 1;
    end = from;
  }
  return 0;
}

LogFollower::LogFollower(std::string path) : path_(std::move(path)) {
  open_current(true);
  start_.inode = inode_;
  start_.offset = fd_.valid() ? ::lseek(fd_.get(), 0, SEEK_CUR) : 0;
}

void LogFollower::open_current(bool from_end) {
  fd_ = open_log_for_reading(path_);
  struct stat st {};
  inode_ = fd_.valid() && ::fstat(fd_.get(), &st) == 0 ? st.st_ino : 0;
  if (inode_ && from_end) ::lseek(fd_.get(), complete_lines_start(fd_.get(), st.st_size, 0), SEEK_SET);
  partial_.clear();
  known_rotated_ = rotated_names();
}

std::vector<std::string> LogFollower::rotated_names() const {
  std::vector<std::string> names;
  for (auto& n : list_rotated_logs(path_)) names.push_back(is_gz(n) ? n.substr(0, n.size() - 3) : n);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void LogFollower::read_available(std::vector<std::string>* out) {
  char buf[65536];
  ssize_t n;
  while (fd_.valid() && (n = ::read(fd_.get(), buf, sizeof buf)) > 0) {
    partial_.append(buf, static_cast<size_t>(n));
    size_t pos = 0, nl;
    while ((nl = partial_.find('\n', pos)) != std::string::npos) {
      out->push_back(partial_.substr(pos, nl - pos));
      pos = nl + 1;
    }
    partial_.erase(0, pos);
  }
}

std::vector<std::string> LogFollower::poll() {
  std::vector<std::string> out;
  read_available(&out);
  struct stat st {};
  bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && (st.st_ino != inode_ || !fd_.valid())) {
    // Rotated. The writer may have finished the old file's last line
    // between the read above and its rename: read the old file (still open)
    // to its end again. Now its last line is complete (the writer rotates
    // at line ends).
    read_available(&out);
    if (!partial_.empty()) out.push_back(partial_);
    partial_.clear();
    // A slow reader (or a tiny max_size) can miss whole files that were
    // written and rotated between two polls: read those in order. One that
    // `keep` already deleted is gone for everyone.
    std::vector<std::string> fresh;
    for (auto& name : rotated_names())
      if (!std::binary_search(known_rotated_.begin(), known_rotated_.end(), name)) fresh.push_back(name);
    // The file we had open is the first new one, unless (still uncompressed)
    // its inode says otherwise.
    size_t ours = 0;
    for (size_t i = 0; i < fresh.size(); ++i) {
      struct stat rs {};
      if (::stat(fresh[i].c_str(), &rs) == 0 && rs.st_ino == inode_) ours = i;
    }
    for (size_t i = ours + 1; i < fresh.size(); ++i) {
      const std::string& name = fresh[i];
      std::string text, err;
      if (!read_log(name, false, &text) && !read_log(name + ".gz", true, &text)) continue;
      std::vector<LogLine> lines;
      split_lines(text, false, &lines);
      for (auto& l : lines) out.push_back(std::move(l.text));
    }
    open_current(false);
    read_available(&out);
  } else if (exists && fd_.valid()) {
    off_t at = ::lseek(fd_.get(), 0, SEEK_CUR);
    if (st.st_size < at) {
      ::lseek(fd_.get(), 0, SEEK_SET);  // cleared (truncated): start over
      partial_.clear();
      read_available(&out);
    }
  }
  return out;
}

}  // namespace spmi
