// Descriptor reading: file access and the choice of parser by extension.
#include "manageables/reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.h"

namespace spmi {

namespace {
constexpr struct {
  const char* ext;
  const char* format;
  bool (*parse)(Document*, std::vector<Diagnostic>*);
} kFormats[] = {
    {".toml", "toml", parse_toml},
    {".yaml", "yaml", parse_yaml},
    {".yml", "yaml", parse_yaml},
    {".json", "json", parse_json},
};

bool ends_with(const std::string& s, const char* suffix) {
  std::string_view suf(suffix);
  return s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
}  // namespace

bool is_procfile(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (base != "Procfile" && base.rfind("Procfile.", 0) != 0) return false;
  for (const auto& f : kFormats)
    if (ends_with(base, f.ext)) return false;
  return true;
}

bool read_descriptor(const std::string& path, Document* doc, std::vector<Diagnostic>* diags) {
  doc->path = path;
  const bool procfile = is_procfile(path);
  for (const auto& f : kFormats) {
    if (!procfile && !ends_with(path, f.ext)) continue;
    doc->format = f.format;
    // One descriptor, checked and read through one descriptor: never
    // blocking on a FIFO, never reading more than the limit from a device.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
      diags->push_back({path, {}, "cannot read: " + errno_text(errno)});
      return false;
    }
    if (!S_ISREG(st.st_mode)) {
      diags->push_back({path, {}, "not a regular file"});
      return false;
    }
    if (static_cast<size_t>(st.st_size) > kMaxDescriptorBytes) {
      diags->push_back({path, {}, "file is larger than 4 MiB; not a descriptor"});
      return false;
    }
    char buf[65536];
    ssize_t n;
    doc->text.clear();
    while ((n = ::read(fd.get(), buf, sizeof buf)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        diags->push_back({path, {}, "cannot read: " + errno_text(errno)});
        return false;
      }
      doc->text.append(buf, static_cast<size_t>(n));
      if (doc->text.size() > kMaxDescriptorBytes) {  // it grew while being read
        diags->push_back({path, {}, "file is larger than 4 MiB; not a descriptor"});
        return false;
      }
    }
    // No format allows a raw NUL (YAML's reader took one silently and
    // changed the value); it also ends C strings on the way to the task.
    if (size_t nul = doc->text.find('\0'); nul != std::string::npos) {
      diags->push_back({path, LineIndex(doc->text).at(nul), "contains a NUL byte; not a text descriptor"});
      return false;
    }
    if (procfile) {
      doc->format = "procfile";
      return parse_procfile(doc, diags);
    }
    return f.parse(doc, diags);
  }
  diags->push_back({path, {}, "unknown descriptor format (the file name must end in .toml, .yaml, .yml or .json, "
                              "or be a Procfile)"});
  return false;
}

}  // namespace spmi
