// Atomic replacement of small state files: write a temporary file in the same
// directory, fsync it, rename it over the target, fsync the directory. A
// reader sees either the old or the new content, never a half-written file.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

namespace spmi {

// How much a replacement must survive.
enum class Durability {
  // fsync of the file and its directory: a crash or power loss keeps the old
  // or the new content. For what the user gave spmi (specs, descriptors).
  Durable,
  // Readers still see the old or the new content, never a mix, but after a
  // power loss the file may be empty: for runtime state (a task's `state`,
  // rewritten at every transition and meaningless after a reboot). Each
  // fsync pair costs about 1 ms, twice per task start.
  Volatile,
};

// Replaces `path` with `content` atomically (mode 0600). False with `err` on failure;
// on failure the old file is untouched and no temporary file is left behind.
bool write_file_atomic(const std::string& path, std::string_view content, std::string* err,
                       Durability durability = Durability::Durable);

// The two halves of write_file_atomic, for changes that span two files:
// write every new content beside its file first (where a full disk can
// still refuse), then rename them all (which needs no space).
//   prepare_file: writes and fsyncs `content` to a hidden temporary file
//                 beside `path` (its name in *tmp); nothing on failure.
//   commit_file:  renames *tmp over `path` and fsyncs the directory.
bool prepare_file(const std::string& path, std::string_view content, std::string* tmp, std::string* err);
// prepare_file for a content that `source` already holds, durably: a hard
// link to it under the temporary name (no bytes written, no inode made).
// The caller must never change `source` in place. False with errno (EMLINK:
// too many links) when the link cannot be made; then the caller writes.
bool prepare_link(const std::string& path, const std::string& source, std::string* tmp);
bool commit_file(const std::string& tmp, const std::string& path, std::string* err);

// Who writes a temporary file or work directory, as its name records it:
// "<pid>@<host>" of this process. A command deletes such a name only when
// its writer is of this host and gone: another host's pid (a wrapper on a
// compute node writing into a shared $SPMI_PATH) says nothing here.
std::string writer_tag();
// Reads a writer tag; `host` is "" in one written before hosts were part of
// it ("<pid>"). False when it is not one.
bool parse_writer_tag(std::string_view tag, pid_t* writer, std::string* host);

// The temporary name write_file_atomic and prepare_file use for `path`:
// ".<name>.tmp.<pid>@<host>" beside it. A writer killed midway leaves it
// behind; true (with the pid and host) for such a name. `host` is "" in a
// name written before hosts were part of it (".<name>.tmp.<pid>").
bool is_temporary_name(const std::string& name, pid_t* writer, std::string* host);

// The largest state file spmi reads back (spec, state, tree, identity,
// start.env): a few kB in practice.
inline constexpr size_t kMaxStateFileBytes = 1 << 20;

// Reads one of spmi's own files in a task directory. It must be a regular
// file of at most `max` bytes, and is opened without following a link and
// without blocking: a FIFO or a link to /dev/zero put in its place makes
// this fail with a message, never hang or read without end. A missing file
// fails with errno ENOENT.
bool read_state_file(const std::string& path, std::string* out, std::string* err,
                     size_t max = kMaxStateFileBytes);

// The longest line read_state_lines hands on; a longer one is skipped.
inline constexpr size_t kMaxStateLineBytes = 4096;

// Reads `path` as read_state_file does (same checks, same errors), one line
// at a time through a fixed buffer, for a file whose lines the caller
// mostly skips: memory does not grow with the file (the CPU sample cache
// of 10,000 tasks is half a megabyte, of which `status t` wants one line).
// `on_line` gets each line without its newline, in order; a line longer
// than kMaxStateLineBytes is skipped whole.
bool read_state_lines(const std::string& path, const std::function<void(std::string_view)>& on_line,
                      std::string* err, size_t max = kMaxStateFileBytes);

// fsyncs the directory `dir` so a rename inside it is durable.
bool fsync_dir(const std::string& dir, std::string* err);

// The directory part of `path` ("." when there is none).
std::string dir_name(const std::string& path);

// The last component of `path`.
std::string base_name(const std::string& path);

}  // namespace spmi
