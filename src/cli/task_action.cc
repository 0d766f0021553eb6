// Running one operation on every selected task in parallel (task_action.h).
#include "cli/task_action.h"

#include "cli/results.h"
#include "store/parallel.h"

namespace spmi {

int run_task_action(Context& ctx, const Selection& sel, bool json, const char* action,
                    bool (*op)(const Session&, const std::string&)) {
  std::vector<std::string> ids;
  bool unmatched = false;
  int code = kExitOk;
  if (!select_tasks(ctx, sel, &ids, &unmatched, &code)) return code;
  JsonResults results(ctx, action);
  Reporter& out = json ? static_cast<Reporter&>(results) : ctx.reporter;
  constexpr size_t kParallel = 8;
  std::vector<HeldReporter> held(ids.size(), HeldReporter(out));
  std::vector<char> ok(ids.size(), 0);
  for_each_index(ids.size(), kParallel, [&](size_t i) {
    Session session{ctx.store, find_backend, held[i]};
    ok[i] = op(session, ids[i]);
  });
  bool failed = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    held[i].replay();
    failed = failed || !ok[i];
  }
  std::fflush(stdout);
  int exit_code = combine_exit(failed, unmatched);
  if (json) results.print(ids, exit_code);
  return exit_code;
}

}  // namespace spmi
