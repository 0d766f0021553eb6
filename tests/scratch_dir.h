// A private scratch directory for one test process: made with mkdtemp (so
// parallel ctest processes and other users never share it) and removed with
// everything in it when it goes out of scope.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace spmi::test {

class ScratchDir {
 public:
  // `tag` names the directory: /tmp/spmi-<tag>.XXXXXX.
  explicit ScratchDir(const std::string& tag = "test") {
    std::string tmpl = "/tmp/spmi-" + tag + ".XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl + " failed");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // <path>/<name>
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace spmi::test
