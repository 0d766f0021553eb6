// screen and tmux: known backend types whose launchers are not built yet.
// Descriptors naming them load (SPMI's examples use screen); `start` refuses
// them with a clear message instead of silently using another backend.
#include "backends/registry.h"

namespace spmi {

namespace {
class UnavailableBackend : public Backend {
 public:
  explicit UnavailableBackend(std::string name) : name_(std::move(name)) {}
  StartResult start(const TaskSpec&, const std::string&) override {
    StartResult r;
    r.error = "the '" + name_ + "' backend is not available in spmi " +
              "yet; set backend.type = \"native\" in the descriptor and load it with --replace";
    return r;
  }

 private:
  std::string name_;
};
}  // namespace

std::unique_ptr<Backend> make_screen_backend() { return std::make_unique<UnavailableBackend>("screen"); }
std::unique_ptr<Backend> make_tmux_backend() { return std::make_unique<UnavailableBackend>("tmux"); }

}  // namespace spmi
