"""config/multi_area.yaml builds the multi-area model (Schmidt et al. 2018) from its data tables (config/README.md
"tables"): all 254 populations, grouped by area in the output, and its 8 344 projections, at a tiny scale on 1×1.
The tables are not part of synorm (CC BY-NC-SA): the test uses ../shared/models/multi_area beside the source tree,
or $SYNORM_MULTI_AREA_DIR, and when neither exists says so and checks nothing (tests/conftest.py fails a session with
a pytest.skip, so it returns, as test_checkpoint.py's tmpfs tests do)."""
import csv
import os

import harness as h

TABLES = os.environ.get("SYNORM_MULTI_AREA_DIR") or os.path.join(
    os.path.dirname(h.SOURCE), "shared", "models", "multi_area")


def found():
    if os.path.isfile(os.path.join(TABLES, "synapses.csv")):
        return TABLES
    print(f"  skipped: the multi-area model's tables are not at {TABLES} (set SYNORM_MULTI_AREA_DIR to their folder)")
    return None


def test_multi_area_builds_from_its_tables():
    tables = found()
    if not tables:
        return
    with open(os.path.join(tables, "populations.csv")) as f:
        rows = list(csv.DictReader(f))
    out = os.path.join(h.tmpdir(), "multi_area.h5")
    p = h.run(["run", h.config("multi_area.yaml"), "-o", out, "-q", "--set", f"tables.directory={tables}",
               "--set", "network.scale=0.002", "--duration", "5 ms"])
    assert p.returncode == 0
    with h.files.Output(out) as run:
        groups = {name: run.attributes("populations/" + name)["group"] for name in run.file["populations"]}
        projections = len(run.file["projections"])
    assert len(groups) == len(rows) == 254
    for row in rows:
        name = f"L{row['population']}_{row['area']}"
        assert groups[name] == row["area"], name
    assert projections == 8344


def test_a_bad_cell_names_its_file_row_and_column():
    tables = found()
    if not tables:
        return
    folder = h.tmpdir()
    with open(os.path.join(tables, "synapses.csv")) as f:
        lines = f.readlines()
    fields = next(csv.reader([lines[16]]))
    fields[5] = "abc"  # synapses
    lines[16] = ",".join(f'"{v}"' if "," in v else v for v in fields) + "\n"
    with open(os.path.join(folder, "synapses.csv"), "w") as f:
        f.writelines(lines)
    for name in ("populations.csv", "rates_meanfield_this_network.csv"):
        os.symlink(os.path.join(tables, name), os.path.join(folder, name))
    p = h.run(["validate", h.config("multi_area.yaml"), "--set", f"tables.directory={folder}"], check=False)
    assert p.returncode == 2
    assert f"{folder}/synapses.csv:17:synapses: projections[15].connect.number: expected an integer ≥ 0, " \
           'got "abc"' in p.stderr, p.stderr
