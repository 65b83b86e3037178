"""synorm_grid: a sweep's grid file (jobs/sweep.sbatch): which run each task of the job array makes.
Its command line is jobs/grid.py; tools/gather reads grids through it too.

  jobs/grid.py array GRID.yaml         the --array range to submit with, e.g. 0-3
  jobs/grid.py task GRID.yaml INDEX    the `synorm run` arguments of task INDEX, one per line

The grid file (jobs/README.md has an example):

  config: config/coba.yaml      the base configuration
  output: out/sweep             the folder of the outputs: task i writes <output>/<i>.h5
  seed: 1                       task i runs with seed + i (optional, default 1), unless the grid
                                or `set` sets simulation.seed
  set:                          overrides of every task (optional), as for synorm run --set
    simulation.duration: 2 s
  grid:                         every combination of these values, the last key varying fastest
    projections.1.weight: [-6.7 nS, -8 nS]
    network.scale: [0.5, 1]

Paths are relative to the folder the job runs in (the one you submit from). Errors name the file and
what is wrong, and exit with code 10 (jobs/README.md).
"""
import itertools
import os
import sys

import yaml

USAGE_ERROR = 10  # as jobs/lib.sh


class GridError(Exception):
    pass


def value_text(value):
    """A YAML scalar as synorm run --set takes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) or (isinstance(value, str) and "\n" not in value):
        return str(value)
    raise GridError(f"expected a number or a string, got {type(value).__name__} {value!r}")


class Grid:
    def __init__(self, path):
        self.path = path
        try:
            with open(path) as f:
                doc = yaml.safe_load(f)
        except OSError as e:
            raise GridError(f"{path}: cannot read: {e.strerror}") from e
        except yaml.YAMLError as e:
            raise GridError(f"{path}: not valid YAML: {e}") from e
        if not isinstance(doc, dict):
            raise GridError(f"{path}: expected a map with keys config, output, seed, set, grid")
        unknown = sorted(set(doc) - {"config", "output", "seed", "set", "grid"})
        if unknown:
            raise GridError(f"{path}: unknown key {unknown[0]}; accepted: config, output, seed, set, grid")
        for key in ("config", "output", "grid"):
            if key not in doc:
                raise GridError(f"{path}: missing key {key}")
        self.config = str(doc["config"])
        self.output = str(doc["output"])
        self.seed = doc.get("seed", 1)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise GridError(f"{path}: seed: expected an integer >= 0, got {self.seed!r}")
        self.fixed = self._overrides(doc.get("set") or {}, "set")
        grid = doc["grid"]
        if not isinstance(grid, dict) or not grid:
            raise GridError(f"{path}: grid: expected a map from configuration keys to lists of values")
        self.keys = [str(k) for k in grid]
        self.values = []
        for key, values in grid.items():
            if not isinstance(values, list) or not values:
                raise GridError(f"{path}: grid.{key}: expected a non-empty list of values")
            try:
                self.values.append([value_text(v) for v in values])
            except GridError as e:
                raise GridError(f"{path}: grid.{key}: {e}") from e
        self.points = list(itertools.product(*self.values))

    def _overrides(self, section, name):
        if not isinstance(section, dict):
            raise GridError(f"{self.path}: {name}: expected a map from configuration keys to values")
        try:
            return {str(k): value_text(v) for k, v in section.items()}
        except GridError as e:
            raise GridError(f"{self.path}: {name}: {e}") from e

    def parameters(self, index):
        """{key: value} of task `index`, the grid's keys only."""
        return dict(zip(self.keys, self.points[index]))

    def seed_of(self, index):
        """The seed task `index` runs with: None when the grid or `set` fixes simulation.seed."""
        if "simulation.seed" in self.keys or "simulation.seed" in self.fixed:
            return None
        return self.seed + index

    def output_of(self, index):
        return os.path.join(self.output, f"{index}.h5")

    def run_arguments(self, index):
        if not 0 <= index < len(self.points):
            raise GridError(f"{self.path}: task {index} is outside the grid's {len(self.points)} points "
                            f"(submit with --array={self.array()})")
        args = [self.config, "-o", self.output_of(index)]
        for key, value in {**self.fixed, **self.parameters(index)}.items():
            args += ["--set", f"{key}={value}"]
        if self.seed_of(index) is not None:
            args += ["--seed", str(self.seed_of(index))]
        return args

    def array(self):
        return f"0-{len(self.points) - 1}"


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "array":
            print(Grid(argv[2]).array())
            return 0
        if len(argv) == 4 and argv[1] == "task":
            try:
                index = int(argv[3])
            except ValueError:
                raise GridError(f"task index '{argv[3]}' is not an integer") from None
            print("\n".join(Grid(argv[2]).run_arguments(index)))
            return 0
    except GridError as e:
        print(f"grid: {e}", file=sys.stderr)
        return USAGE_ERROR
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return USAGE_ERROR
