"""A camera streams frames into the accelerator: latency, throughput and missed deadlines.

`socsim.Arrival` says when frames arrive: `periodic` (one every 1/fps seconds, a camera),
`poisson` (random gaps with mean 1/fps: several unsynchronised cameras, or events) or
`burst` (all at once). Each frame's deadline is one frame period after its arrival unless
`deadline_s` says otherwise. A frame that arrives while the SoC is still busy waits, so its
latency (finish - arrival) includes the queueing.

1.0-SqNxt-23v5 takes 3.9 ms a frame on squeezelerator-16x16, so the SoC can keep up with
about 256 frames per second. The scenarios go from one 30 fps camera to an overload.

    python examples/camera_stream.py                        # 8 frames per scenario
    python examples/camera_stream.py --frames 30 --soc squeezelerator-8x8
"""

import argparse
import sys

import pandas as pd

import socsim
from socsim import Arrival

NETWORK = "1.0-SqNxt-23v5"

SCENARIOS = {
    "1 camera, 30 fps": Arrival(kind="periodic", fps=30),
    "random arrivals, 30 fps": Arrival(kind="poisson", fps=30),
    # Ten free-running cameras merge into a random stream at 92% of the 16x16's capacity
    # (a frame takes 3.06 ms): frames now and then arrive close together and queue.
    "10 cameras, 300 fps total": Arrival(kind="poisson", fps=300),
    # The same with a latency budget of two frame periods instead of one.
    "10 cameras, 6.7 ms budget": Arrival(kind="poisson", fps=300, deadline_s=2 / 300),
    # More frames than the SoC can take: the queue, and the latency, grow with every frame.
    "400 fps (overload)": Arrival(kind="periodic", fps=400),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8, help="frames per scenario")
    parser.add_argument("--soc", default="squeezelerator-16x16", help="preset or YAML file")
    args = parser.parse_args()

    rows = []
    for name, arrival in SCENARIOS.items():
        result = socsim.simulate(NETWORK, args.soc, frames=args.frames, arrival=arrival, seed=1)
        s = result.summary  # latencies in seconds
        rows.append(
            {
                "scenario": name,
                "arrival": arrival.kind,
                "fps in": arrival.fps,
                "deadline ms": 1e3 * (arrival.deadline_s or 1 / arrival.fps),
                "p50 ms": 1e3 * s["latency_p50"],
                "p99 ms": 1e3 * s["latency_p99"],
                # frames finished per second after the first: the camera's rate when
                # the SoC keeps up, its capacity in an overload.
                "fps out": s["achieved_fps"],
                "capacity": result.bounds["capacity_fps"],
                "missed": f"{s['deadline_misses']}/{s['frames']}",
            }
        )
    print(f"{NETWORK} on {result.soc.name}, {args.frames} frames per scenario:\n")
    print(pd.DataFrame(rows).to_string(index=False, float_format="{:.1f}".format))

    # Every frame of the last run: the overload's queue grows frame after frame.
    frames = result.frames  # one row per frame, times in cycles
    ms = frames[["arrival", "start", "finish", "latency"]] * 1e3 / result.soc.clock_hz
    print(f"\nEvery frame of '{name}' (ms):\n")
    print(ms.assign(missed=frames["missed"]).to_string(float_format="{:.2f}".format))


if __name__ == "__main__":
    try:
        main()
    except socsim.SocsimError as error:  # a bad file or name: one line, not a traceback
        sys.exit(f"error: {error}")
