// write_json_task_list (cli/view_format.h): the streamed `list --json`
// document is byte for byte what dumping the whole document prints.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/view_format.h"

using namespace spmi;

namespace {

std::string streamed(const std::vector<nlohmann::json>& items) {
  FILE* f = std::tmpfile();
  REQUIRE(f);
  write_json_task_list(f, items.size(), [&](size_t i) { return items[i]; });
  std::string text(static_cast<size_t>(std::ftell(f)), '\0');
  std::rewind(f);
  REQUIRE(std::fread(text.data(), 1, text.size(), f) == text.size());
  std::fclose(f);
  return text;
}

std::string whole(const std::vector<nlohmann::json>& items) {
  nlohmann::json doc = {{"schema", kJsonSchemaVersion}, {"tasks", nlohmann::json::array()}};
  for (const auto& i : items) doc["tasks"].push_back(i);
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

TEST_CASE("list --json streamed: the same bytes as the whole document", "[json]") {
  std::vector<nlohmann::json> items;
  CHECK(streamed(items) == whole(items));  // "tasks": []
  items.push_back({{"id", "a"}, {"tags", nlohmann::json::array()}, {"pid", nullptr}});
  CHECK(streamed(items) == whole(items));
  items.push_back({{"id", "b"},
                   {"tags", {"x", "y"}},
                   {"exit", {{"code", 3}, {"signal", nullptr}}},
                   {"note", "two\nlines \"quoted\" \\ and \xff invalid UTF-8"},
                   {"cpu_percent", 12.5},
                   {"slurm", {{"nodes", {{{"name", "n1"}}, nlohmann::json::object()}}}}});
  items.push_back(nlohmann::json::object());
  std::string text = streamed(items);
  CHECK(text == whole(items));
  CHECK(nlohmann::json::parse(text)["tasks"].size() == 3);
}
