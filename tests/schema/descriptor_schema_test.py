#!/usr/bin/env python3
"""The published JSON Schema of descriptors (schema/spmi-descriptor.schema.json).

Checks, against the built spmi:
  - the committed file is exactly what `spmi schema` prints (it never drifts
    from the key table the loader uses);
  - it is a valid draft-07 schema;
  - every descriptor in descriptors/, docs/sphinx/examples/, SPMI's examples
    (tests/data/spmi-examples/) and every complete descriptor shown in the
    docs validates;
  - mistakes the loader refuses are refused by the schema too (a misspelt
    key, a watchdog key on a default wrapper, a bad duration, an unknown
    enum value, a backend key of another backend), and `spmi validate`
    refuses the same files.
Usage: descriptor_schema_test.py SOURCE_DIR SPMI_BINARY
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib

import jsonschema
import yaml

src, spmi = sys.argv[1], sys.argv[2]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def parse(path, text=None):
    text = open(path).read() if text is None else text
    if path.endswith(".toml"):
        return tomllib.loads(text)
    if path.endswith((".yaml", ".yml")):
        return yaml.safe_load(text)
    return json.loads(text)


printed = json.loads(subprocess.run([spmi, "schema"], check=True, capture_output=True, text=True).stdout)
published = json.load(open(os.path.join(src, "schema/spmi-descriptor.schema.json")))
if printed != published:
    fail("schema/spmi-descriptor.schema.json differs from `spmi schema`: regenerate it with "
         "`build/spmi schema > schema/spmi-descriptor.schema.json`")
jsonschema.Draft7Validator.check_schema(published)
validator = jsonschema.Draft7Validator(published)

examples = []
for pattern in ("descriptors/*", "docs/sphinx/examples/*", "tests/data/spmi-examples/*"):
    examples += sorted(glob.glob(os.path.join(src, pattern)))
examples = [p for p in examples if p.endswith((".toml", ".yaml", ".yml", ".json"))]
if len(examples) < 20:
    fail(f"only {len(examples)} example descriptors found")
for path in examples:
    errors = [e.message for e in validator.iter_errors(parse(path))]
    if errors:
        fail(f"{os.path.relpath(path, src)}: {errors[:3]}")

# The complete descriptors in the docs' code blocks (fragments such as a
# lone [task.logs] table are left out: they have no id or name).
shown = 0
for rst in sorted(glob.glob(os.path.join(src, "docs/sphinx/**/*.rst"), recursive=True)):
    text = open(rst).read()
    for m in re.finditer(r"\.\. code-block:: (toml|yaml|json)\n((?:\n|   .*\n)+)", text):
        lang, body = m.group(1), "\n".join(line[3:] for line in m.group(2).split("\n"))
        try:
            doc = parse("x." + lang, body)
        except Exception:
            continue
        if not isinstance(doc, dict):
            continue
        complete = isinstance(doc.get("task"), dict) and "id" in doc["task"] and "wrapper" in doc["task"]
        complete = complete or isinstance(doc.get("project"), dict) and "name" in doc["project"]
        if not complete:
            continue
        shown += 1
        errors = [e.message for e in validator.iter_errors(doc)]
        if errors:
            fail(f"{os.path.relpath(rst, src)}: a {lang} example: {errors[:3]}")
if shown < 20:
    fail(f"only {shown} complete descriptors found in the docs")

GOOD = '[task]\nid = "a"\n[task.wrapper]\ncommand = "sleep 1"\n'
BAD = {
    "misspelt key": '[task]\nid = "a"\n[task.wrapper]\ncomand = "sleep 1"\ncommand = "sleep 1"\n',
    "watchdog key on a default wrapper": GOOD + 'schedule = "* * * * *"\n',
    "bad duration": GOOD + 'stop_timeout = "5 seconds"\n',
    "unknown restart policy": '[task]\nid = "a"\n[task.wrapper]\ntype = "watchdog"\ncommand = "x"\nrestart = "sometimes"\n',
    "slurm key on a native backend": '[task]\nid = "a"\n[task.backend]\ntype = "native"\npartition = "x"\n'
                                     '[task.wrapper]\ncommand = "x"\n',
    "bad id": '[task]\nid = "a b"\n[task.wrapper]\ncommand = "x"\n',
    "tcp key on a command check": '[task]\nid = "a"\n[task.wrapper]\ntype = "watchdog"\ncommand = "x"\n'
                                  '[task.wrapper.health]\ntype = "command"\ncommand = "true"\nport = 80\n',
    "misspelt project key": '[project]\nname = "p"\n[project.tasks.a.wrapper]\ncommand = "x"\n[project.defaults]\ntagz = ["x"]\n',
}
if list(validator.iter_errors(tomllib.loads(GOOD))):
    fail("the minimal task is refused")
if list(validator.iter_errors(tomllib.loads(GOOD.replace('"sleep 1"\n', '"sleep 1"\ntype = "watchdog"\nmax_restarts = "unlimited"\nschedule = "* * * * *"\n')))):
    fail("a watchdog with a schedule and unlimited restarts is refused")
with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, SPMI_PATH=os.path.join(tmp, "state"))
    for what, text in BAD.items():
        if not list(validator.iter_errors(tomllib.loads(text))):
            fail(f"the schema accepts a {what}")
        path = os.path.join(tmp, "bad.toml")
        open(path, "w").write(text)
        r = subprocess.run([spmi, "validate", path], capture_output=True, text=True, env=env)
        if r.returncode != 1:
            fail(f"spmi validate exits {r.returncode} for a {what}: {r.stderr}")

print(f"{len(examples)} example files and {shown} examples in the docs checked; {len(BAD)} mistakes refused")
sys.exit(1 if failures else 0)
