"""The host controller: releases frames as they arrive and spreads them over the clusters."""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence

import simpy

from socsim.components.cluster import Cluster, Layers
from socsim.components.residency import Hold
from socsim.dataflow.types import LayerMapping

logger = logging.getLogger(__name__)


class Host:
    """Runs a stream of frames on the clusters under one partition strategy.

    Every strategy fills `self.frames[f] = [arrival, start, finish]` (cycles) as frames
    progress; a frame whose finish stays -1 never completed. `done` succeeds when the last
    frame finishes.
    """

    def __init__(self, env: simpy.Environment, scope: str, clusters: Sequence[Cluster]) -> None:
        self.env = env
        self.scope = scope
        self.clusters = list(clusters)
        self.frames: list[list[int]] = []
        self.pending = 0
        self.done = env.event()

    def _records(self, arrivals: Sequence[int]) -> None:
        self.frames = [[t, -1, -1] for t in arrivals]
        self.pending = len(arrivals)
        self.done = self.env.event()  # succeeds when the last frame finishes

    def _finish(self, frame: int) -> None:
        """Records the frame's finish now and logs it (the progress `socsim -v run` shows);
        `done` succeeds with the last frame."""
        record = self.frames[frame]
        record[2] = self.env.now
        logger.info(
            "frame %d of %d finished at cycle %d (latency %d cycles)",
            frame + 1, len(self.frames), record[2], record[2] - record[0],
        )  # fmt: skip
        self.pending -= 1
        if not self.pending:
            self.done.succeed()

    def by_frames(
        self, arrivals: Sequence[int], layers: Layers, holds: Sequence[Hold] = ()
    ) -> None:
        """Each frame runs whole on the first cluster free after it arrives (FIFO), keeping
        the tensors of `holds` in that cluster's buffer."""
        self._records(arrivals)
        free = simpy.Store(self.env)
        free.items.extend(self.clusters)
        for frame, arrival in enumerate(arrivals):
            self.env.process(self._whole_frame(frame, arrival, free, layers, holds))

    def _whole_frame(
        self,
        frame: int,
        arrival: int,
        free: simpy.Store,
        layers: Layers,
        holds: Sequence[Hold],
    ) -> Generator:
        """One frame: wait for its arrival and a free cluster, run every layer, hand back."""
        yield self.env.timeout(arrival)
        cluster = yield free.get()
        self.frames[frame][1] = self.env.now
        yield from cluster.run(frame, layers, holds)
        self._finish(frame)
        yield free.put(cluster)

    def by_pipeline(
        self, arrivals: Sequence[int], segments: Sequence[Layers], holds: Sequence[Hold] = ()
    ) -> None:
        """Cluster i runs segment i of every frame, in frame order; frames flow through.
        Each hold lies within one segment: its cluster keeps it."""
        self._records(arrivals)
        inboxes = [simpy.Store(self.env) for _ in self.clusters]
        self.env.process(self._release(arrivals, inboxes[0]))
        for i, (cluster, segment) in enumerate(zip(self.clusters, segments, strict=True)):
            outbox = inboxes[i + 1] if i + 1 < len(inboxes) else None
            mine = [h for h in holds if any(index == h.first for index, _ in segment)]
            stage = self._stage(cluster, segment, mine, len(arrivals), inboxes[i], outbox)
            self.env.process(stage)

    def _release(self, arrivals: Sequence[int], inbox: simpy.Store) -> Generator:
        """Puts each frame into the first stage's inbox at its arrival time."""
        for frame, arrival in enumerate(arrivals):
            if arrival > self.env.now:
                yield self.env.timeout(arrival - self.env.now)
            yield inbox.put(frame)

    def _stage(
        self,
        cluster: Cluster,
        segment: Layers,
        holds: Sequence[Hold],
        count: int,
        inbox: simpy.Store,
        outbox: simpy.Store | None,
    ) -> Generator:
        """One pipeline stage: take frames in order, run the segment, pass them on."""
        for _ in range(count):
            frame = yield inbox.get()
            if self.frames[frame][1] < 0:
                self.frames[frame][1] = self.env.now
            yield from cluster.run(frame, segment, holds)
            if outbox is None:
                self._finish(frame)
            else:
                yield outbox.put(frame)

    def by_channels(
        self, arrivals: Sequence[int], shares: Sequence[Sequence[LayerMapping | None]]
    ) -> None:
        """Every layer's channels split over all clusters, with a barrier after each layer.

        `shares[layer][cluster]` is that cluster's part of the layer (None: nothing to do).
        Frames run one after another in arrival order.
        """
        self._records(arrivals)
        self.env.process(self._channel_frames(arrivals, shares))

    def _channel_frames(
        self, arrivals: Sequence[int], shares: Sequence[Sequence[LayerMapping | None]]
    ) -> Generator:
        env = self.env
        for frame, arrival in enumerate(arrivals):
            if arrival > env.now:
                yield env.timeout(arrival - env.now)
            self.frames[frame][1] = env.now
            for index, parts in enumerate(shares):
                runs = [
                    env.process(cluster.controller.run_layer(frame, index, part))
                    for cluster, part in zip(self.clusters, parts, strict=True)
                    if part is not None
                ]
                yield env.all_of(runs)
            self._finish(frame)
