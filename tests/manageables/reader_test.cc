// Tests of the three descriptor readers: one tree, positions, syntax errors.
#include <catch2/catch.hpp>

#include <fstream>

#include "manageables/reader.h"

using namespace spmi;

namespace {
Document parse(const std::string& format, const std::string& text, std::vector<Diagnostic>* diags) {
  Document doc;
  doc.path = "d." + format;
  doc.format = format;
  doc.text = text;
  bool ok = format == "toml" ? parse_toml(&doc, diags) : format == "yaml" ? parse_yaml(&doc, diags) : parse_json(&doc, diags);
  if (!ok) REQUIRE_FALSE(diags->empty());
  return doc;
}
}  // namespace

TEST_CASE("the three formats read into the same tree, with positions", "[reader]") {
  std::vector<Diagnostic> d;
  auto t = parse("toml", "[task]\nid = \"x\"\nn = 5\nlist = [\"a\", 2]\n[task.sub]\nflag = true\n", &d);
  auto y = parse("yaml", "task:\n  id: x\n  n: 5\n  list: [a, 2]\n  sub:\n    flag: true\n", &d);
  auto j = parse("json", "{\"task\": {\"id\": \"x\",\n \"n\": 5, \"list\": [\"a\", 2],\n \"sub\": {\"flag\": true}}}", &d);
  REQUIRE(d.empty());
  for (const Document* doc : {&t, &y, &j}) {
    INFO(doc->format);
    const Node* task = doc->root.find("task");
    REQUIRE(task);
    CHECK(task->find("id")->str == "x");
    CHECK(task->find("n")->kind == Node::Kind::Integer);
    CHECK(task->find("n")->integer == 5);
    CHECK(task->find("list")->items.size() == 2);
    CHECK(task->find("list")->items[1].kind == Node::Kind::Integer);
    CHECK(task->find("sub")->find("flag")->boolean);
  }
  // Positions of keys and values (1-based line:column).
  CHECK(t.root.find("task")->find_entry("n")->key_pos.line == 3);
  CHECK(t.root.find("task")->find_entry("n")->key_pos.column == 1);
  CHECK(y.root.find("task")->find_entry("n")->key_pos.line == 3);
  CHECK(y.root.find("task")->find_entry("n")->key_pos.column == 3);
  CHECK(y.root.find("task")->find("n")->pos.column == 6);
  const Entry* jn = j.root.find("task")->find_entry("n");
  CHECK(jn->key_pos.line == 2);
  CHECK(jn->key_pos.column == 2);
  CHECK(jn->value.pos.line == 2);
  CHECK(jn->value.pos.column == 7);
  CHECK(j.root.find("task")->find("sub")->find("flag")->pos.line == 3);
}

TEST_CASE("YAML scalars: quoted ones are strings, plain ones use the core schema", "[reader]") {
  std::vector<Diagnostic> d;
  auto y = parse("yaml", "a: 'true'\nb: true\nc: \"5\"\nd: 5\ne: yes\nf: ~\ng: 1.5\nh: 0755x\n", &d);
  REQUIRE(d.empty());
  CHECK(y.root.find("a")->kind == Node::Kind::String);
  CHECK(y.root.find("b")->kind == Node::Kind::Bool);
  CHECK(y.root.find("c")->kind == Node::Kind::String);
  CHECK(y.root.find("d")->kind == Node::Kind::Integer);
  CHECK(y.root.find("e")->kind == Node::Kind::String);  // YAML 1.2: "yes" is a string
  CHECK(y.root.find("f")->kind == Node::Kind::Null);
  CHECK(y.root.find("g")->kind == Node::Kind::Float);
  CHECK(y.root.find("h")->kind == Node::Kind::String);
}

TEST_CASE("syntax errors and duplicate keys carry positions", "[reader]") {
  std::vector<Diagnostic> d;
  parse("toml", "a = 1\nb = \n", &d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].pos.line == 2);
  d.clear();
  parse("json", "{\n  \"a\": 1,\n  \"a\": 2\n}", &d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].message == "duplicate key 'a'");
  CHECK(d[0].pos.line == 3);
  CHECK(d[0].pos.column == 3);
  d.clear();
  parse("json", "{\"a\": [1, 2,]}", &d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].format().find("d.json:1:") == 0);
  CHECK(d[0].message.find("JSON syntax error") == 0);
  d.clear();
  parse("yaml", "a: 1\na: 2\n", &d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].format() == "d.yaml:2:1: duplicate key 'a'");
  d.clear();
  parse("yaml", "a: [1\n", &d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].message.find("YAML syntax error") == 0);
  d.clear();
  parse("yaml", "a: 1\n---\nb: 2\n", &d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].message.find("one YAML document") != std::string::npos);
  d.clear();
  parse("json", "", &d);
  CHECK(d.size() == 1);
}

TEST_CASE("read_descriptor picks the reader by extension", "[reader]") {
  std::vector<Diagnostic> d;
  Document doc;
  CHECK_FALSE(read_descriptor("/nonexistent/x.toml", &doc, &d));
  CHECK(d.back().message.find("No such file") != std::string::npos);
  CHECK_FALSE(read_descriptor("/etc/hostname", &doc, &d));
  CHECK(d.back().message.find("unknown descriptor format") == 0);
  CHECK_FALSE(read_descriptor("/tmp.yml", &doc, &d));
  CHECK(d.back().message.find("unknown descriptor format") == std::string::npos);  // .yml is YAML
}
