// inotify over the watched trees (file_watcher.h).
#include "wrappers/file_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace spmi {

namespace {

constexpr uint32_t kDirMask = IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                              IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;
constexpr int kMaxDepth = 64;

}  // namespace

bool FileWatcher::start(const std::vector<std::string>& paths, const std::vector<std::string>& ignore,
                        std::string* err, std::string* note) {
  ignore_ = ignore;
  fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd_.valid()) {
    *err = "inotify_init1: " + errno_text(errno);
    return false;
  }
  for (const std::string& p : paths) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      *err = "watch path " + p + ": " + errno_text(errno);
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      std::string root = p.size() > 1 && p.back() == '/' ? p.substr(0, p.size() - 1) : p;
      roots_.push_back({root, ""});
      add_tree(root, roots_.size() - 1, 0);
    } else {
      size_t slash = p.rfind('/');
      std::string dir = slash == 0 ? "/" : p.substr(0, slash);
      roots_.push_back({dir, p.substr(slash + 1)});
      int wd = ::inotify_add_watch(fd_.get(), dir.c_str(), kDirMask & ~IN_DELETE_SELF);
      if (wd < 0) {
        *err = "watch path " + p + ": " + errno_text(errno);
        return false;
      }
      dirs_.push_back({wd, dir, roots_.size() - 1});
    }
  }
  if (not_watched_)
    *note = std::to_string(not_watched_) + " directories are not watched: the inotify watch table is full "
            "(raise fs.inotify.max_user_watches)";
  return true;
}

void FileWatcher::add_tree(const std::string& dir, size_t root, int depth) {
  if (depth > kMaxDepth) return;
  int wd = ::inotify_add_watch(fd_.get(), dir.c_str(), kDirMask);
  if (wd < 0) {
    if (errno == ENOSPC) ++not_watched_;
    return;
  }
  bool known = false;
  for (auto& d : dirs_)
    if (d.wd == wd) known = true;  // the same directory reached twice (a bind mount, two roots)
  if (known) return;
  dirs_.push_back({wd, dir, root});
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0'))) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    if (!is_dir) continue;
    std::string child = dir + "/" + e->d_name;
    if (ignored(child.substr(roots_[root].path.size() + 1))) continue;
    add_tree(child, root, depth + 1);
  }
  ::closedir(d);
}

bool FileWatcher::ignored(const std::string& rel) const {
  for (const std::string& pattern : ignore_) {
    if (pattern.find('/') != std::string::npos) {
      if (::fnmatch(pattern.c_str(), rel.c_str(), 0) == 0) return true;
      continue;
    }
    size_t start = 0;
    while (start <= rel.size()) {
      size_t end = rel.find('/', start);
      std::string part = rel.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (::fnmatch(pattern.c_str(), part.c_str(), FNM_PERIOD) == 0 || pattern == part) return true;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return false;
}

std::string FileWatcher::relative(const Dir& d, const char* name) const {
  const std::string& root = roots_[d.root].path;
  std::string full = d.path + "/" + name;
  return full.size() > root.size() ? full.substr(root.size() + 1) : full;
}

std::string FileWatcher::read_changes() {
  alignas(struct inotify_event) char buf[8192];
  std::string first;
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        if (first.empty()) first = "(too many changes at once)";
        continue;
      }
      if (ev->mask & IN_IGNORED) {
        for (size_t i = 0; i < dirs_.size(); ++i)
          if (dirs_[i].wd == ev->wd) {
            dirs_.erase(dirs_.begin() + static_cast<std::ptrdiff_t>(i));
            break;
          }
        continue;
      }
      const Dir* dir = nullptr;
      for (const auto& d : dirs_)
        if (d.wd == ev->wd) dir = &d;
      if (!dir || ev->len == 0 || (ev->mask & IN_DELETE_SELF)) continue;
      const Root& root = roots_[dir->root];
      if (!root.only.empty() && root.only != ev->name) continue;
      std::string rel = root.only.empty() ? relative(*dir, ev->name) : root.only;
      if (ignored(rel)) continue;
      if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR) && root.only.empty()) {
        Dir copy = *dir;  // add_tree may move dirs_
        add_tree(copy.path + "/" + ev->name, copy.root, 0);
      }
      if (first.empty()) first = rel;
    }
  }
  return first;
}

}  // namespace spmi
