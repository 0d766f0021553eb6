// The words shell completions offer (completion.h).
#include "cli/completion.h"

#include <cstdio>
#include <set>

#include <CLI/CLI.hpp>

#include "cli/help.h"
#include "lifecycle/deps.h"

namespace spmi {

namespace {

void print_words(const std::set<std::string>& words) {
  for (const auto& w : words) std::printf("%s\n", w.c_str());
}

}  // namespace

int run_completion(const CLI::App& app, const Store& store, const std::vector<std::string>& args) {
  if (args.empty()) return 0;
  const std::string& what = args[0];
  std::set<std::string> words;
  if (what == "commands") {
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (!sub->get_group().empty()) words.insert(sub->get_name());  // hidden ones have no group
    words.insert("help");  // `spmi help [COMMAND]` (main.cc), not a registered subcommand
  } else if (what == "options" && args.size() > 1) {
    const CLI::App* sub = nullptr;
    for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
      if (s->get_name() == args[1]) sub = s;
    if (!sub) return 0;
    for (auto& name : option_names(*sub)) words.insert(std::move(name));
  } else if (what == "tasks" || what == "projects" || what == "tags") {
    std::string err, note;
    if (!store.check_trusted(&err, &note)) return 0;  // names from a directory spmi would refuse: none
    if (what == "tasks") {
      std::vector<std::string> ids;
      if (store.list_ids(&ids, &err)) words.insert(ids.begin(), ids.end());
    } else {
      for (const auto& [id, spec] : stored_specs(store)) {
        if (what == "projects" && !spec.project.empty()) words.insert(spec.project);
        if (what == "tags") words.insert(spec.tags.begin(), spec.tags.end());
      }
    }
  }
  print_words(words);
  return 0;
}

}  // namespace spmi
