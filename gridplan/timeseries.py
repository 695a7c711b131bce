"""Representative days: a few typical days in place of the 365 days of a year.

Days are clustered by their joint 24-hour profiles of demand (per unit of
each node's peak) and of every weather-driven availability, with k-medoids
(each representative is a real day of the year, so its hours are
consistent across demand, PV and wind). The day of the highest demand is
kept on its own so that peak capacity is sized on the real peak. Each
representative day stands for as many days as its cluster holds; storage
keeps its chronology through a state of charge per calendar day linked
by the sequence of representative days (see ``gridplan.model.storage``).

A medoid's own energy differs from its cluster's mean (by +2.4 % of
demand and −10 % of PV energy over a year in Dongguan's 12 days), and
in a system that buys most of its energy that error goes straight into
the cost. So each series is rescaled day by day to its cluster's mean
daily energy (:meth:`RepresentativeDays.sample`), without exceeding the
series' own maximum (a day that cannot carry that energy takes its
cluster's mean profile): the year's energy of demand, PV and wind is then
kept, and the peak day, a cluster of its own, is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAYS = 365
HOURS_PER_DAY = 24


@dataclass
class RepresentativeDays:
    """The chosen days.

    Attributes
    ----------
    days : np.ndarray
        Day of year (0..364) of each representative day, in calendar order.
    weight_days : np.ndarray
        Number of calendar days each representative day stands for (sums to 365).
    day_map : np.ndarray
        For every calendar day, the position (0..k-1) of its representative day.
    """

    days: np.ndarray
    weight_days: np.ndarray
    day_map: np.ndarray

    @property
    def hours(self) -> np.ndarray:
        """Hour-of-year positions of the representative days, in order."""
        return (self.days[:, None] * HOURS_PER_DAY + np.arange(HOURS_PER_DAY)).ravel()

    @property
    def weights(self) -> np.ndarray:
        """Hours of the year each modelled hour stands for (sums to 8760)."""
        return np.repeat(self.weight_days.astype(float), HOURS_PER_DAY)

    def sample(self, series: np.ndarray) -> np.ndarray:
        """Values of an 8760-hour ``series`` in the modelled hours, each day scaled to its cluster's mean energy.

        A day's hours are scaled together; hours that would exceed the
        series' maximum over the year (a capacity factor of 1, the peak
        demand) stop there and the rest of the day makes up the difference.
        Where the day cannot carry its cluster's energy that way (a windless
        representative of mostly windy days, or every hour at the cap), it
        takes its cluster's hour-by-hour mean instead, which has exactly
        that energy and never exceeds the maximum. So the series' energy
        over the year is always kept.
        """
        values = np.asarray(series, dtype=float)
        daily = values[: DAYS * HOURS_PER_DAY].reshape(DAYS, HOURS_PER_DAY)
        target = np.bincount(self.day_map, weights=daily.sum(axis=1), minlength=len(self.days)) / self.weight_days
        upper = float(values.max())
        out = []
        for i, (day, energy) in enumerate(zip(self.days, target)):
            scaled = _scaled_day(daily[day], energy, upper)
            if abs(scaled.sum() - energy) > 1e-9 * max(energy, 1e-9):
                scaled = daily[self.day_map == i].mean(axis=0)
            out.append(scaled)
        return np.concatenate(out)

    @property
    def previous(self) -> np.ndarray:
        """Previous modelled hour, wrapping within each representative day."""
        idx = np.arange(len(self.days) * HOURS_PER_DAY).reshape(-1, HOURS_PER_DAY)
        return np.roll(idx, 1, axis=1).ravel()


def _scaled_day(profile: np.ndarray, energy: float, upper: float, rounds: int = 24) -> np.ndarray:
    """``profile`` (one day's hours) scaled so that it sums to ``energy``, no hour above ``upper``."""
    total = profile.sum()
    if total <= 0.0:
        return profile.copy()
    if energy <= total:  # scaling down cannot cross the cap
        return profile * (energy / total)
    out = profile.copy()
    for _ in range(rounds):  # each round pins at least one more hour at upper, so 24 always suffice
        free = out < upper
        base = out[free].sum()
        gap = energy - out.sum()
        if base <= 0.0 or gap <= 1e-12 * energy:
            break
        out[free] *= 1.0 + gap / base
        np.minimum(out, upper, out=out)
    return out


def daily_matrix(series: list[np.ndarray]) -> np.ndarray:
    """Stack 8760-hour series into one row of features per day (365 × 24·len(series))."""
    return np.hstack([np.asarray(s, dtype=float)[: DAYS * HOURS_PER_DAY].reshape(DAYS, HOURS_PER_DAY) for s in series])


def k_medoids(features: np.ndarray, k: int, seed: int = 0, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Cluster rows of ``features`` into ``k`` groups around medoids (real rows).

    k-means++ seeding, then alternate assignment and medoid update until
    nothing changes. Deterministic for a given ``seed``.

    Returns
    -------
    medoids : np.ndarray
        Row index of each medoid.
    labels : np.ndarray
        Cluster (0..k-1) of each row.
    """
    n = len(features)
    k = min(k, n)
    dist = np.sqrt(((features[:, None, :] - features[None, :, :]) ** 2).sum(axis=2))
    rng = np.random.default_rng(seed)
    medoids = [int(np.argmin(dist.sum(axis=1)))]
    while len(medoids) < k:
        nearest = dist[:, medoids].min(axis=1) ** 2
        medoids.append(int(rng.choice(n, p=nearest / nearest.sum())))
    medoids = np.array(medoids)
    for _ in range(max_iter):
        labels = np.argmin(dist[:, medoids], axis=1)
        updated = medoids.copy()
        for c in range(k):
            members = np.flatnonzero(labels == c)
            if len(members):
                updated[c] = members[np.argmin(dist[np.ix_(members, members)].sum(axis=1))]
        if np.array_equal(updated, medoids):
            break
        medoids = updated
    return medoids, np.argmin(dist[:, medoids], axis=1)


def representative_days(series: list[np.ndarray], n_days: int, peak_load: np.ndarray, seed: int = 0) -> RepresentativeDays:
    """Pick ``n_days`` representative days: the peak-demand day plus ``n_days − 1`` medoids.

    Parameters
    ----------
    series : list of np.ndarray
        8760-hour profiles to match (each scaled to about [0, 1]).
    n_days : int
        How many days to keep (≥ 2).
    peak_load : np.ndarray
        8760-hour total demand (MW), to find the peak day.
    """
    features = daily_matrix(series)
    peak_day = int(np.argmax(np.asarray(peak_load)[: DAYS * HOURS_PER_DAY]) // HOURS_PER_DAY)
    others = np.array([d for d in range(DAYS) if d != peak_day])
    medoids, labels = k_medoids(features[others], n_days - 1, seed=seed)
    chosen = np.append(others[medoids], peak_day)
    cluster_of_day = np.empty(DAYS, dtype=int)
    cluster_of_day[others] = labels
    cluster_of_day[peak_day] = len(chosen) - 1
    order = np.argsort(chosen)  # calendar order
    position = np.empty(len(chosen), dtype=int)
    position[order] = np.arange(len(chosen))
    day_map = position[cluster_of_day]
    weight_days = np.bincount(day_map, minlength=len(chosen))
    return RepresentativeDays(chosen[order], weight_days, day_map)
