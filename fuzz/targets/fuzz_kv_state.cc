// libFuzzer target: the kv files spmi reads back from a task directory
// (spec, state, tree, identity). Anything may be in them: parsing must fail
// cleanly or give a record that serializes and parses back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/identity.h"
#include "common/task_spec.h"
#include "common/task_state.h"
#include "common/task_tree.h"

using namespace spmi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size), err;
  TaskSpec spec, spec2;
  if (parse_spec(text, &spec, &err)) {
    std::string once = serialize_spec(spec);
    if (!parse_spec(once, &spec2, &err) || serialize_spec(spec2) != once) std::abort();
  }
  TaskState st, st2;
  if (parse_state(text, &st, &err)) {
    std::string once = serialize_state(st);
    if (!parse_state(once, &st2, &err) || serialize_state(st2) != once) std::abort();
  }
  TreeRecord tree, tree2;
  if (parse_tree(text, &tree, &err)) {
    if (!parse_tree(serialize_tree(tree), &tree2, &err) || tree2.procs != tree.procs) std::abort();
  }
  RunIdentity id, id2;
  if (parse_identity(text, &id, &err)) {
    if (!parse_identity(serialize_identity(id), &id2, &err) || serialize_identity(id2) != serialize_identity(id))
      std::abort();
  }
  return 0;
}
