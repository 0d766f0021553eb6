// Descriptor reading: file access and the choice of parser by extension.
#include "manageables/reader.h"

#include <sys/stat.h>

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
constexpr size_t kMaxDescriptorBytes = 4 * 1024 * 1024;

bool ends_with(const std::string& s, const char* suffix) {
  std::string_view suf(suffix);
  return s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
}  // namespace

bool read_descriptor(const std::string& path, Document* doc, std::vector<Diagnostic>* diags) {
  doc->path = path;
  for (const auto& f : kFormats) {
    if (!ends_with(path, f.ext)) continue;
    doc->format = f.format;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      diags->push_back({path, {}, "not a regular file"});
      return false;
    }
    if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) > kMaxDescriptorBytes) {
      diags->push_back({path, {}, "file is larger than 4 MiB; not a descriptor"});
      return false;
    }
    std::string err;
    if (!read_file(path, &doc->text, &err)) {
      // read_file's message starts with the path, which the diagnostic already names.
      diags->push_back({path, {}, "cannot read: " + err.substr(err.rfind(": ") + 2)});
      return false;
    }
    return f.parse(doc, diags);
  }
  diags->push_back({path, {}, "unknown descriptor format (the file name must end in .toml, .yaml, .yml or .json)"});
  return false;
}

}  // namespace spmi
