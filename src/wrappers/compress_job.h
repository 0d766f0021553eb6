// Compressing rotated log files without ever making the task wait: a child
// process gzips them (zlib, loaded in the child only, so the resident
// wrapper never maps it) while the wrapper goes on copying output.
// The child is a clone child (see clone_child.h).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/fd.h"

namespace spmi {

class CompressJob {
 public:
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  // Starts gzipping `files` (each to <file>.gz, then the file is removed).
  // False with `err` when the child cannot be created.
  bool start(const std::vector<std::string>& files, std::string* err);
  // The child ended (its pidfd is readable): reaps it. False with `err` when
  // it failed (the files it could not compress stay as they are).
  bool finish(std::string* err);

 private:
  pid_t pid_ = 0;
  Fd pidfd_;
};

// Gzips `file` to `file`.gz through a temporary file, then removes `file`.
// Loads zlib with dlopen. Used by the job's child; exposed for tests.
bool gzip_file(const std::string& file, std::string* err);

}  // namespace spmi
