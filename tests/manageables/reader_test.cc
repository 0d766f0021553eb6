// Tests of the three descriptor readers: one tree, positions, syntax errors.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "e2e/harness.h"
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

TEST_CASE("hostile descriptors are refused with an error, quickly and within bounds", "[reader][hostile]") {
  auto refused = [](const std::string& format, const std::string& text, const std::string& want) {
    INFO(format << ": " << text.substr(0, 40));
    std::vector<Diagnostic> d;
    Document doc;
    doc.path = "h." + format;
    doc.format = format;
    doc.text = text;
    bool ok = format == "toml" ? parse_toml(&doc, &d) : format == "yaml" ? parse_yaml(&doc, &d) : parse_json(&doc, &d);
    CHECK_FALSE(ok);
    REQUIRE_FALSE(d.empty());
    CHECK(d[0].file == "h." + format);
    CHECK(d[0].message.find(want) != std::string::npos);
  };
  // yaml-cpp 0.7's LoadAll looped forever (allocating) on these.
  refused("yaml", ",", "YAML syntax error");
  refused("yaml", ",@", "YAML syntax error");
  refused("yaml", "\n,\n", "YAML syntax error");
  // A 342-byte alias bomb expands to 9^9 values.
  refused("yaml", spmi::test::yaml_alias_bomb(), "holds more than 250000 values");
  // Nesting: JSON 500,000 deep (the tree's recursive destructor overflowed
  // the stack), YAML and TOML likewise.
  refused("json", std::string(500000, '[') + std::string(500000, ']'), "nested more than 64 levels deep");
  refused("json", std::string(65, '[') + std::string(65, ']'), "nested more than 64 levels deep");
  refused("yaml", std::string(3000, '[') + std::string(3000, ']'), "");
  refused("yaml", "a: " + std::string(100, '[') + std::string(100, ']'), "nested more than 64 levels deep");
  refused("toml", "a = " + std::string(100000, '[') + std::string(100000, ']'), "TOML syntax error");
  refused("toml", "a = " + std::string(100, '[') + std::string(100, ']'), "nested more than 64 levels deep");
  // Many values.
  std::string many = "[";
  for (int i = 0; i < 300000; ++i) many += "0,";
  many += "0]";
  refused("json", many, "holds more than 250000 values");
  refused("yaml", "a: " + many, "holds more than 250000 values");
  refused("toml", "a = " + many, "holds more than 250000 values");
  // toml++ 3.3 reached a debug assertion and __builtin_unreachable with these.
  refused("toml", "[{[z", "TOML syntax error");
  refused("toml", "\xce\xa4", "TOML syntax error");
  refused("toml", "\xce\xa4 = 1\n", "TOML syntax error");
  refused("toml", "caf\xc3\xa9 = 1\n", "TOML syntax error");
  refused("toml", "a =1\"cwrapperaf\xc3\xa9\" # \xce\xa4\n", "TOML syntax error");  // found by fuzz_descriptor_toml
  // Non-ASCII text where TOML allows it still reads.
  {
    std::vector<Diagnostic> d;
    auto ok = parse("toml",
                    "# caf\xc3\xa9\na = \"caf\xc3\xa9 \\\" \xce\xa4\"\nb = 'x\xce\xa4'\n"
                    "c = \"\"\"\n\xce\xa4 \"\" \"\"\"\nd = '''\xce\xa4'''\n\"k\xc3\xa9\" = 1\n",
                    &d);
    INFO((d.empty() ? "" : d[0].message));
    CHECK(d.empty());
    CHECK(ok.root.find("a")->str == "caf\xc3\xa9 \" \xce\xa4");
    CHECK(ok.root.find("d")->str == "\xce\xa4");
    CHECK(ok.root.find("k\xc3\xa9"));
  }
  // A table of many keys is read in linear time (duplicate keys by hash).
  std::string keys = "{";
  for (int i = 0; i < 100000; ++i) keys += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  keys += "}";
  std::vector<Diagnostic> d;
  Document doc;
  doc.path = "k.json";
  doc.text = keys;
  CHECK(parse_json(&doc, &d));
  CHECK(doc.root.entries.size() == 100000);
}

TEST_CASE("a descriptor file that is not plain text or not a file is refused", "[reader][hostile]") {
  char tmpl[] = "/tmp/spmi-reader.XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::vector<Diagnostic> d;
  Document doc;
  // A raw NUL: YAML took it silently and changed the value.
  std::ofstream(dir + "/nul.yaml") << std::string("task:\n  id: a\0b\n", 16);
  CHECK_FALSE(read_descriptor(dir + "/nul.yaml", &doc, &d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].format() == dir + "/nul.yaml:2:8: contains a NUL byte; not a text descriptor");
  // A FIFO would block the reader; a device would never end.
  d.clear();
  REQUIRE(::mkfifo((dir + "/fifo.toml").c_str(), 0600) == 0);
  CHECK_FALSE(read_descriptor(dir + "/fifo.toml", &doc, &d));
  CHECK(d[0].message == "not a regular file");
  d.clear();
  REQUIRE(::symlink("/dev/zero", (dir + "/zero.json").c_str()) == 0);
  CHECK_FALSE(read_descriptor(dir + "/zero.json", &doc, &d));
  CHECK(d[0].message == "not a regular file");
  std::filesystem::remove_all(dir);
}
