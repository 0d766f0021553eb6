// Compressing rotated log files without ever making the task wait: a child
// process gzips them while the wrapper goes on copying output. zlib is linked
// statically into the wrapper (no dlopen from a static binary); its code is
// only paged in by the child. The child is a clone child (see clone_child.h).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/fd.h"
#include "wrappers/log_writer.h"

namespace spmi {

class CompressJob {
 public:
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  // Starts gzipping `files` (each to <name>.gz in its directory, then the
  // file is removed). False with `err` when the child cannot be created.
  bool start(const std::vector<CompressItem>& files, std::string* err);
  // The child ended (its pidfd is readable): reaps it. False with `err` when
  // it failed (the files it could not compress stay as they are).
  bool finish(std::string* err);

 private:
  pid_t pid_ = 0;
  Fd pidfd_;
};

// Gzips `name` in directory `dirfd` to `name`.gz, then removes `name`. The
// directory may be writable by the task's user, so (common/safe_file.h) the
// input is never read through a link, and the output is written to a new
// temporary file with an unpredictable name (O_EXCL) and renamed into place.
// Used by the job's child; exposed for tests.
bool gzip_file_at(int dirfd, const std::string& name, std::string* err);

}  // namespace spmi
