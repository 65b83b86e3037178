#!/usr/bin/python3
"""A sweep's grid file (jobs/sweep.sbatch): tools/synorm_grid.py reads it and describes it.

  jobs/grid.py array GRID.yaml         the --array range to submit with, e.g. 0-3
  jobs/grid.py task GRID.yaml INDEX    the `synorm run` arguments of task INDEX, one per line"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "tools"))
import synorm_grid  # noqa: E402 (tools/synorm_grid.py, shared with tools/gather)

if __name__ == "__main__":
    sys.exit(synorm_grid.main(sys.argv))
