"""Exchange by structure (config/README.md "group_delay_min", "placement"; src/README.md decision 6)
on a small network of three groups (grouped_network.py): network.group_delay_min bounds the delays
drawn between groups and leaves those within groups alone."""
import os

import numpy as np

import grouped_network
import harness as h


def synapse_delays(d, name, *extra):
    """Delays in steps of every synapse, by projection (source, target) name, from a checkpoint."""
    config = grouped_network.write(d)
    out = os.path.join(d, name + ".h5")
    h.run(["run", config, "-o", out, "-q", "--duration", "20 ms", "--checkpoint-every", "10 ms", *extra])
    cdir = os.path.join(d, name + ".checkpoints")
    first = sorted(os.listdir(cdir))[0]
    with h.files.open(os.path.join(cdir, first)) as c:
        return [c.file[f"synapses/{j}/delay"][()] for j in range(len(grouped_network.projections()))]


def test_group_delay_min_bounds_the_drawn_delays_between_groups():
    d = h.tmpdir()
    free = synapse_delays(d, "free")
    bounded = synapse_delays(d, "bounded", "--set", "network.group_delay_min=1 ms")
    projections = grouped_network.projections()
    between = [j for j, (s, t) in enumerate(projections) if s[-1] != t[-1]]
    assert len(between) == 6, projections
    for j, name in enumerate(projections):
        assert len(free[j]) >= 120, name
        if j in between:
            assert free[j].min() < 10, f"{name}: without the bound some delays are below 1 ms"
            assert bounded[j].min() >= 10, f"{name}: a delay of {bounded[j].min()} steps is below the bound"
            assert len(bounded[j]) == len(free[j])
        else:
            assert free[j].min() < 10, name
            assert np.array_equal(free[j], bounded[j]), f"{name}: a projection within a group changed"
