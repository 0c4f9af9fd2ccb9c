"""Several clusters on one SoC: how to split the work, and what the shared DRAM costs.

Each cluster has its own PE array, global buffer, DMA engines and controller; all of them
share the interconnect and DRAM. `partition` says how the host spreads the frames:

- `frames`: each frame runs whole on the next free cluster (throughput);
- `pipeline`: each cluster runs a contiguous run of layers, balanced by cycles, and frames
  flow from one cluster to the next;
- `channels`: every layer's output channels are split across all clusters (latency of
  one frame), but each cluster reads the layer's whole input.

A queue of frames (all arriving at once, as from a recorded video) runs on 1, 2 and 4
clusters of squeezelerator-16x16. `fps` is what the SoC sustains, `ms/frame` how long a
frame takes from its start to its finish (its waiting in the queue left out), and
`memory busy` the share of the run the DRAM path was moving data. Where it nears 100%
the clusters are waiting for each other; the last columns double the memory path's
bandwidth (DRAM and interconnect) to show it.

    python examples/clusters.py             # 4 frames per configuration
    python examples/clusters.py --frames 16
"""

import argparse

import pandas as pd

import socsim
from socsim.components.config import with_overrides

NETWORK = "1.0-SqNxt-23v5"
CONFIGS = [(1, "frames")] + [(n, p) for n in (2, 4) for p in ("frames", "pipeline", "channels")]


def memory_busy(result: socsim.Result) -> float:
    """The share of the run during which the interconnect to DRAM was moving data."""
    events = result.events
    on_path = events["unit"] == "soc.interconnect"
    busy = (events["end"] - events["start"])[on_path].sum()
    return busy / result.summary["cycles"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=4, help="frames per configuration")
    args = parser.parse_args()

    base = socsim.get_preset("squeezelerator-16x16")
    rows = []
    for clusters, partition in CONFIGS:
        soc = with_overrides(base, {"clusters": clusters, "partition": partition})
        result = socsim.simulate(NETWORK, soc, frames=args.frames)  # arrival=None: all at t=0
        frames = result.frames  # one row per frame, in cycles
        row = {
            "clusters": clusters,
            "partition": partition,
            "fps": result.summary["achieved_fps"],
            "ms/frame": 1e3 * (frames["finish"] - frames["start"]).mean() / soc.clock_hz,
            "DRAM MB/frame": result.summary["dram_bytes"] / 1e6 / args.frames,
            "memory busy %": 100 * memory_busy(result),
        }
        if clusters == 4:  # the most contended: what does twice the bandwidth buy?
            # Every transfer crosses the interconnect and DRAM at once: doubling only one
            # of them leaves the other as the bottleneck, and the run no faster.
            wider = with_overrides(
                soc, {"dram.bytes_per_cycle": 32, "interconnect.bytes_per_cycle": 32}
            )
            faster = socsim.simulate(NETWORK, wider, frames=args.frames)
            row["fps, 2x memory"] = faster.summary["achieved_fps"]
            row["speed-up"] = row["fps, 2x memory"] / row["fps"]
        rows.append(row)

    print(f"{NETWORK}, {args.frames} frames queued, squeezelerator-16x16 clusters:\n")
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format="{:.1f}".format, na_rep=""))


if __name__ == "__main__":
    main()
