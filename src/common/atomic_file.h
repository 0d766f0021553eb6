// Atomic replacement of small state files: write a temporary file in the same
// directory, fsync it, rename it over the target, fsync the directory. A
// reader sees either the old or the new content, never a half-written file.
#pragma once

#include <string>
#include <string_view>

namespace spmi {

// Replaces `path` with `content` atomically (mode 0600). False with `err` on failure;
// on failure the old file is untouched and no temporary file is left behind.
bool write_file_atomic(const std::string& path, std::string_view content, std::string* err);

// fsyncs the directory `dir` so a rename inside it is durable.
bool fsync_dir(const std::string& dir, std::string* err);

// The directory part of `path` ("." when there is none).
std::string dir_name(const std::string& path);

// The last component of `path`.
std::string base_name(const std::string& path);

}  // namespace spmi
