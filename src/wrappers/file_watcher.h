// The watchdog's `watch` (PM2's watch, nodemon): an inotify instance over
// the watched paths, each directory tree walked at the start with one watch
// per directory not ignored (new directories are added as they appear), so
// a change anywhere shows up as a readable fd and nothing wakes the loop
// while nothing changes. A change that no ignore pattern covers arms the
// debounce; when it passes, the watchdog restarts the task.
//
// Ignore patterns (fnmatch globs): one without '/' is matched against every
// component of the path relative to the watched root ("node_modules",
// "*.log"); one with '/' against that whole relative path ("build/*").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/fd.h"

namespace spmi {

class FileWatcher {
 public:
  // Watches `paths` (absolute; a file is watched through its directory).
  // False with `err` when inotify or a path cannot be used; a full watch
  // table (fs.inotify.max_user_watches) is a note in `*note`, not an error.
  bool start(const std::vector<std::string>& paths, const std::vector<std::string>& ignore, std::string* err,
             std::string* note);
  int fd() const { return fd_.get(); }
  bool active() const { return fd_.valid(); }
  size_t watches() const { return dirs_.size(); }
  // Reads what inotify has; returns the first changed path (relative to
  // its root) not ignored, or "" when every change was ignored.
  std::string read_changes();

 private:
  struct Dir {
    int wd;
    std::string path;  // absolute
    size_t root;       // index into roots_
  };
  struct Root {
    std::string path;  // absolute, no trailing '/'
    std::string only;  // a watched file: only this name in `path` counts
  };
  void add_tree(const std::string& dir, size_t root, int depth);
  bool ignored(const std::string& rel) const;
  std::string relative(const Dir& d, const char* name) const;

  Fd fd_;
  std::vector<Root> roots_;
  std::vector<Dir> dirs_;  // few lookups (one per event batch): a vector
  std::vector<std::string> ignore_;
  size_t not_watched_ = 0;  // directories the watch table had no room for
};

}  // namespace spmi
