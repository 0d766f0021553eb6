// Descriptor JSON Schema generation (json_schema.h).
#include "manageables/json_schema.h"

#include <map>
#include <string>
#include <string_view>

#include "backends/registry.h"
#include "common/watchdog_settings.h"
#include "manageables/descriptor_keys.h"

namespace spmi {

namespace {

using nlohmann::json;

// The patterns mirror the parsers (common/duration.cc, manageables/units.cc).
constexpr const char* kIdPattern = "^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$";
constexpr const char* kDurationPattern = "^\\s*([0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d)\\s*)+$";
constexpr const char* kSizePattern = "^[0-9]+(\\.[0-9]+)? ?(B|K|KiB|KB|M|MiB|MB|G|GiB|GB|T|TiB|TB)?$";

json string_of(const char* pattern, const char* description) {
  return {{"type", "string"}, {"pattern", pattern}, {"description", description}};
}

json value_schema(const DescriptorKey& k) {
  const json size = string_of(kSizePattern, "a size: bytes or \"512MiB\", \"2G\", \"100MB\"");
  switch (k.type) {
    case KeyType::String: return {{"type", "string"}};
    case KeyType::Id: return string_of(kIdPattern, "letters, digits, '_', '.' and '-' (1 to 64, no leading dot)");
    case KeyType::Bool: return {{"type", "boolean"}};
    case KeyType::Int: return {{"type", "integer"}};
    case KeyType::Duration: return string_of(kDurationPattern, "a duration: \"500ms\", \"10s\", \"2m\", \"1h\", \"1d\", \"1m30s\"");
    case KeyType::Size:
      return {{"oneOf", json::array({{{"type", "integer"}, {"minimum", 0}}, size})}};
    case KeyType::Signal:
      return string_of("^([Ss][Ii][Gg])?[A-Za-z0-9]+$", "a signal name: \"SIGTERM\", \"SIGINT\", \"HUP\"");
    case KeyType::Command:
      return {{"oneOf", json::array({{{"type", "string"}, {"minLength", 1}, {"description", "a shell command"}},
                                     {{"type", "array"}, {"items", {{"type", "string"}}}, {"minItems", 1},
                                      {"description", "argv: the program and its arguments, no shell"}}})}};
    case KeyType::Names:
      return {{"type", "array"}, {"items", string_of(kIdPattern, "a task id or tag")}};
    case KeyType::Strings:
      return {{"type", "array"}, {"items", {{"type", "string"}, {"minLength", 1}}}};
    case KeyType::Ints:
      return {{"type", "array"}, {"items", {{"type", "integer"}, {"minimum", 0}, {"maximum", 255}}}};
    case KeyType::Env:
      return {{"type", "object"},
              {"additionalProperties", {{"type", json::array({"string", "integer"})}}},
              {"description", "NAME = value; @file:PATH, @base64:..., @hex:... read a value indirectly"}};
    case KeyType::Enum: {
      json names = json::array();
      std::string_view v = k.values;
      while (!v.empty()) {
        size_t bar = v.find('|');
        names.push_back(std::string(v.substr(0, bar)));
        v = bar == std::string_view::npos ? std::string_view() : v.substr(bar + 1);
      }
      return {{"type", "string"}, {"enum", names}};
    }
    case KeyType::CpuMax:
      return {{"oneOf", json::array({{{"type", "number"}, {"exclusiveMinimum", 0}},
                                     string_of("^[0-9]+(\\.[0-9]+)?%?$", "\"50%\" of one core, or \"1.5\" cores")})}};
    case KeyType::Restarts:
      return {{"oneOf", json::array({{{"type", "integer"}, {"minimum", 0}}, {{"const", "unlimited"}}})}};
    case KeyType::Limit:
      return {{"oneOf", json::array({{{"type", "integer"}, {"minimum", 0}},
                                     {{"type", "string"},
                                      {"description", "\"unlimited\", a size (memory, core) or a duration (cpu)"}}})}};
    case KeyType::Events: {
      json names = json::array();
      for (int i = 0; i < kEventNameCount; ++i) names.push_back(kEventNames[i]);
      return {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}, {"enum", names}}}};
    }
    case KeyType::Table:
    case KeyType::Tasks: break;
  }
  return json::object();
}

// [task.backend]: `type` and every backend's own keys, each only with its type.
json backend_schema() {
  json props = {{"type", {{"type", "string"}, {"enum", json::array()}}}};
  json rules = json::array();
  std::map<std::string, std::vector<std::string>> owners;  // key -> backends that take it
  for (const BackendType& t : backend_types()) {
    props["type"]["enum"].push_back(t.name);
    for (std::string_view key : t.get().option_keys())
      if (key != "type") owners[std::string(key)].push_back(t.name);
  }
  for (const auto& [key, names] : owners) {
    props[key] = key == "extra_args" ? json{{"type", "array"}, {"items", {{"type", "string"}}}}
                                     : json{{"type", json::array({"string", "integer"})}};
    rules.push_back({{"if", {{"not", {{"properties", {{"type", {{"enum", names}}}}}, {"required", {"type"}}}}}},
                     {"then", {{"not", {{"required", {key}}}}}}});
  }
  json out = {{"type", "object"}, {"properties", props}, {"required", {"type"}}, {"additionalProperties", false}};
  if (!rules.empty()) out["allOf"] = rules;
  return out;
}

// The keys of `section`. `variants`: reject a key of another variant (the
// variant is the section's `type`; `default_variant` when it is missing).
json section_schema(std::string_view section, bool variants, const char* default_variant = nullptr);

json key_schema(const DescriptorKey& k, bool variants) {
  if (k.type != KeyType::Table) return value_schema(k);
  std::string sub = std::string(k.section) + "." + k.key;
  if (sub == "task.backend" || sub == "project.defaults.backend") return backend_schema();
  if (sub == "project.defaults.wrapper") return section_schema("task.wrapper", false);
  if (sub == "project.defaults.logs") return section_schema("task.logs", false);
  if (sub == "task.wrapper") return section_schema(sub, variants, "default");
  return section_schema(sub, variants);
}

json section_schema(std::string_view section, bool variants, const char* default_variant) {
  json props = json::object();
  std::map<std::string, std::vector<std::string>> only;  // variant -> its own keys
  for (const DescriptorKey& k : descriptor_keys()) {
    if (section != k.section) continue;
    props[k.key] = key_schema(k, variants);
    if (k.only) only[k.only].push_back(k.key);
  }
  json out = {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
  if (section == "task.wrapper.health") out["required"] = {"type"};
  if (section == "task.wrapper.on_event") out["required"] = {"command"};
  if (variants && !only.empty()) {
    json rules = json::array();
    for (const auto& [variant, keys] : only) {
      json is_variant = {{"properties", {{"type", {{"const", variant}}}}}};
      if (!default_variant || variant != default_variant) is_variant["required"] = {"type"};
      json forbidden = json::object();
      for (const auto& key : keys) forbidden[key] = false;
      rules.push_back({{"if", {{"not", is_variant}}}, {"then", {{"properties", forbidden}}}});
    }
    out["allOf"] = rules;
  }
  return out;
}

}  // namespace

json descriptor_json_schema() {
  // A task file's task must be whole; a project's tasks take what the
  // defaults leave out, so nothing is required of them but a table.
  json task = section_schema("task", true);
  task["required"] = {"id", "wrapper"};
  task["properties"]["wrapper"]["required"] = {"command"};
  json project_task = section_schema("task", false);
  json project = section_schema("project", false);
  project["required"] = {"name", "tasks"};
  project["properties"]["tasks"] = {
      {"oneOf", json::array({{{"type", "object"}, {"propertyNames", {{"pattern", kIdPattern}}},
                              {"additionalProperties", {{"$ref", "#/definitions/project_task"}}}, {"minProperties", 1}},
                             {{"type", "array"}, {"items", {{"allOf", json::array({{{"$ref", "#/definitions/project_task"}},
                                                                                  {{"required", {"id"}}}})}}},
                              {"minItems", 1}}})}};
  return {{"$schema", "http://json-schema.org/draft-07/schema#"},
          {"title", "spmi descriptor"},
          {"description", "A task ([task]) or a project of tasks ([project]) for spmi "
                          "(man 5 spmi-descriptor). Generated by `spmi schema`."},
          {"type", "object"},
          {"properties", {{"task", task}, {"project", project}}},
          {"additionalProperties", false},
          {"oneOf", json::array({{{"required", {"task"}}}, {{"required", {"project"}}}})},
          {"definitions", {{"project_task", project_task}}}};
}

}  // namespace spmi
