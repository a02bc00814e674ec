"""Gait-cycle segmentation by spectral peaks: dominant frequency, then one extremum per period.

See ``docs/gait-analysis.md`` for the method, its thresholds and its measured accuracy.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import butter, find_peaks, hilbert, periodogram, sosfiltfilt

from imu import GaitTwinInputError, check_mask, check_shape

#: Points of a time-normalised cycle (0, 1, ..., 100 % of the cycle).
CYCLE_POINTS = 101
#: Default search band of the stride frequency, Hz: a stride of 0.67 s (fast) to 3.3 s (slow).
STRIDE_BAND_HZ: tuple[float, float] = (0.3, 1.5)
#: A local spectral maximum inside the band is preferred to a band edge (where the power rises
#: towards a peak outside the band) when it has at least this fraction of the band's largest
#: bin (see :func:`dominant_frequency`).
EDGE_PEAK_POWER_FRACTION = 0.25
#: Autocorrelation gain ``r(2 T) - r(T)`` above which the spectral peak is taken as the stride's
#: second harmonic (see :func:`stride_frequency`).
HARMONIC_GAIN = 0.3
#: Extrema within this fraction of the signal's range (5th to 95th percentile) of the largest
#: one in a search window are candidate cycle borders; the most regular sequence is taken.
SIMILAR_EXTREMUM_FRACTION = 0.1
#: Gain above which (and up to :data:`HARMONIC_GAIN`) the choice is reported as ambiguous.
AMBIGUOUS_GAIN = 0.1

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cycle:
    """One cycle (stride) of a periodic signal, from one extremum to the next.

    Parameters
    ----------
    start_sample, end_sample
        First sample of this cycle and first sample of the next one (the cycle covers
        ``start_sample:end_sample``).
    start_s, end_s
        The same two instants in seconds from the first sample.
    kept
        Whether the cycle passed the consistency check.
    correlation
        Pearson correlation of the time-normalised cycle with the median cycle of the signal.
    reason
        Why the cycle was rejected; empty when kept.

    """

    start_sample: int
    end_sample: int
    start_s: float
    end_s: float
    kept: bool
    correlation: float
    reason: str = ""

    @property
    def duration_s(self) -> float:
        """Cycle duration, s."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class DroppedRange:
    """A stretch of the signal that is not covered by a kept cycle, and why.

    ``start_sample:end_sample`` is the half-open sample range; ``start_s``/``end_s`` the same in s.
    """

    start_sample: int
    end_sample: int
    start_s: float
    end_s: float
    reason: str


@dataclass(frozen=True)
class CycleSegmentation:
    """Result of :func:`segment_cycles`.

    Parameters
    ----------
    sampling_rate_hz
        Sampling rate of the segmented signal, Hz.
    n_samples
        Length of the segmented signal.
    frequency_hz
        Dominant cycle frequency (refined spectral peak), Hz.
    cycles
        Every cycle found, kept or rejected, in time order.
    dropped
        Every stretch not covered by a kept cycle, with the reason.
    steady
        Boolean ``(n,)``: samples judged steady walking (enough local amplitude and allowed by
        ``include``), before cycles were cut; pass it to :func:`gait_parameters` as
        ``include`` to describe only the steady walking.

    """

    sampling_rate_hz: float
    n_samples: int
    frequency_hz: float
    cycles: tuple[Cycle, ...]
    dropped: tuple[DroppedRange, ...]
    steady: np.ndarray

    def __post_init__(self) -> None:
        steady = np.array(self.steady, dtype=bool)
        if steady.shape != (self.n_samples,):
            raise GaitTwinInputError(
                f"CycleSegmentation.steady: expected shape ({self.n_samples},), found "
                f"{steady.shape}"
            )
        steady.flags.writeable = False
        object.__setattr__(self, "steady", steady)

    @property
    def period_s(self) -> float:
        """Dominant cycle period ``1 / frequency_hz``, s."""
        return 1.0 / self.frequency_hz

    @property
    def kept(self) -> tuple[Cycle, ...]:
        """The cycles that passed every check."""
        return tuple(c for c in self.cycles if c.kept)

    def to_dataframe(self) -> pd.DataFrame:
        """Return one row per cycle: samples, times (s), duration (s), correlation, kept, reason."""
        rows = [
            {
                "start_sample": c.start_sample,
                "end_sample": c.end_sample,
                "start_s": c.start_s,
                "end_s": c.end_s,
                "duration_s": c.duration_s,
                "correlation": c.correlation,
                "kept": c.kept,
                "reason": c.reason,
            }
            for c in self.cycles
        ]
        return pd.DataFrame(rows, columns=[*list(Cycle.__dataclass_fields__), "duration_s"])


def dominant_frequency(
    signal: np.ndarray, *, sampling_rate_hz: float, band_hz: tuple[float, float] = (0.5, 1.5)
) -> float:
    """Return the frequency of the largest spectral peak of ``signal`` inside ``band_hz``.

    Parameters
    ----------
    signal
        Periodic signal, shape ``(n,)``, any unit.
    sampling_rate_hz
        Sampling rate, Hz.
    band_hz
        ``(low, high)`` search band, Hz. The default 0.5-1.5 Hz holds the stride frequency of
        walking from slow (stride 2 s) to fast (stride 0.67 s); use about 1-3 Hz for signals
        that repeat every step (pelvis, trunk).

    Returns
    -------
    float
        Refined peak frequency, Hz.

    Raises
    ------
    GaitTwinInputError
        If the band is empty or outside ``(0, sampling_rate_hz / 2)``, or the signal is shorter
        than one period of the band's low edge, or flat.

    Notes
    -----
    Periodogram of the linearly detrended, Hann-windowed signal, zero-padded to a bin width of at
    most 0.005 Hz. The peak is the largest local maximum of the power inside the band, refined
    by fitting a parabola through the logarithm of the power at that bin and its two neighbours
    (quadratic interpolation of the log spectrum, exact for a Gaussian-shaped peak and close for
    the Hann window's main lobe). A band edge is not a peak: where the power still rises beyond
    the edge, that power belongs to a peak outside the band (the step harmonic of a short
    one-leg walk, whose broad lobe can reach into the stride band above the stride's own peak:
    2 strides of CMU 07_08 through virtual sensors gave the 1.5 Hz edge for a 1.07 Hz stride).
    A local maximum counts when its power is at least :data:`EDGE_PEAK_POWER_FRACTION` (a
    quarter) of the band's largest bin, so that a window sidelobe next to a strong edge does
    not; without one the largest bin (an edge) is returned as it is, so the result always lies
    in the band.

    """
    x = check_shape("signal", signal, (None,))
    low, high = (float(v) for v in band_hz)
    if not 0.0 < low < high < sampling_rate_hz / 2.0:
        raise GaitTwinInputError(
            f"band_hz: expected 0 < low < high < {sampling_rate_hz / 2.0} Hz (Nyquist), "
            f"found ({low}, {high})"
        )
    if x.size < sampling_rate_hz / low:
        raise GaitTwinInputError(
            f"signal: expected at least one period of {low} Hz "
            f"({int(np.ceil(sampling_rate_hz / low))} samples), found {x.size} samples"
        )
    n_fft = max(x.size, int(np.ceil(sampling_rate_hz / 0.005)))
    freqs, power = periodogram(
        x, fs=sampling_rate_hz, window="hann", nfft=n_fft, detrend="linear", scaling="spectrum"
    )
    inside = np.flatnonzero((freqs >= low) & (freqs <= high))
    peaks = inside[
        (inside > 0)
        & (inside < freqs.size - 1)
        & (power[inside] >= power[np.maximum(inside - 1, 0)])
        & (power[inside] >= power[np.minimum(inside + 1, freqs.size - 1)])
    ]
    peaks = peaks[power[peaks] >= EDGE_PEAK_POWER_FRACTION * power[inside].max()]
    best = int(peaks[np.argmax(power[peaks])] if peaks.size else inside[np.argmax(power[inside])])
    if power[best] <= 0.0:
        raise GaitTwinInputError("signal: expected a periodic signal, found no power in the band")
    around = power[best - 1 : best + 2]
    if peaks.size and np.all(around > 0.0):
        # a local maximum: the refinement stays within half a bin
        a, b, c = np.log(around)
        denominator = a - 2.0 * b + c
        offset = 0.5 * (a - c) / denominator if denominator < 0.0 else 0.0
        return float(freqs[best] + offset * (freqs[1] - freqs[0]))
    return float(freqs[best])


def _lag_correlation(x: np.ndarray, lag: int) -> float:
    """Pearson correlation of ``x`` with itself ``lag`` samples later (0 for a flat part)."""
    a, b = x[:-lag], x[lag:]
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def stride_frequency(
    signal: np.ndarray, *, sampling_rate_hz: float, band_hz: tuple[float, float] = STRIDE_BAND_HZ
) -> float:
    """Return the stride frequency of a one-leg signal, not the harmonic the spectrum may prefer.

    Parameters
    ----------
    signal
        Signal of one leg that repeats once per stride, shape ``(n,)``, any unit (hip flexion,
        shank angular velocity, a foot gyroscope axis).
    sampling_rate_hz
        Sampling rate, Hz.
    band_hz
        ``(low, high)`` search band, Hz. The default :data:`STRIDE_BAND_HZ` (0.3-1.5 Hz) holds
        strides of 0.67 s (fast walking) to 3.3 s (a slow patient's walk). A signal shorter
        than one period of the low edge is searched from ``1 / duration`` up (a stride cannot
        be longer than the signal).

    Returns
    -------
    float
        Stride frequency, Hz: the largest spectral peak (:func:`dominant_frequency`), or half of
        it when the signal repeats clearly better over two periods of that peak than over one.

    Raises
    ------
    GaitTwinInputError
        As :func:`dominant_frequency`.

    Notes
    -----
    A slow walk with short swing bursts, or a gait whose two halves of the stride differ
    (asymmetric swing, a foot gyroscope peaking at push-off and again at heel strike), can put
    more power in the second harmonic (twice the stride frequency) than in the fundamental.
    With ``f`` the largest spectral peak in the band and ``T = fs / f`` samples, the Pearson
    correlations of the signal with itself one and two periods later, ``r(T)`` and ``r(2 T)``,
    tell the two apart: a signal that truly repeats every ``T`` has ``r(T) >= r(2 T)`` (cadence
    drifts a little between strides), while at a harmonic each half-stride is compared with
    the other half at ``T`` and with itself at ``2 T``. If the gain ``r(2 T) - r(T)`` exceeds
    :data:`HARMONIC_GAIN` (0.3) and ``f / 2`` lies in the band, the stride frequency is ``f / 2``.
    A gain between :data:`AMBIGUOUS_GAIN` (0.1) and 0.3, or a clear gain whose ``f / 2`` lies
    below the band, keeps ``f`` and logs a warning naming both candidates and the ``band_hz``
    that selects each. Measured on real and virtual walks (``docs/gait-analysis.md``): genuine
    stride peaks gave gains of -0.2 to 0.0, harmonic peaks +0.6 to +0.8. A signal shorter than
    three periods of ``f`` is not checked.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0, 30, 0.01)  # stride 2.5 s; the second half-stride's burst is smaller
    >>> burst = np.exp(-((np.mod(t, 1.25) - 0.4) / 0.08) ** 2)
    >>> signal = burst * np.where(np.mod(t, 2.5) < 1.25, 1.0, 0.3)
    >>> round(dominant_frequency(signal, sampling_rate_hz=100.0, band_hz=(0.3, 1.5)), 2)
    0.8
    >>> round(stride_frequency(signal, sampling_rate_hz=100.0), 2)
    0.4

    """
    x = check_shape("signal", signal, (None,))
    low, high = (float(v) for v in band_hz)
    shortest = sampling_rate_hz / max(x.size - 1, 1)  # one period fits, rounding included
    if low < shortest < high:
        logger.info(
            "stride_frequency: a %.2f s signal holds no period below %.3f Hz; band_hz low edge "
            "raised from %.3f Hz", x.size / sampling_rate_hz, shortest, low,
        )  # fmt: skip
        low = shortest
    peak = dominant_frequency(x, sampling_rate_hz=sampling_rate_hz, band_hz=(low, high))
    period = round(sampling_rate_hz / peak)
    if x.size < 3 * period:
        logger.debug("stride_frequency: signal shorter than 3 periods, harmonic not checked")
        return peak
    centred = x - x.mean()
    one, two = _lag_correlation(centred, period), _lag_correlation(centred, 2 * period)
    gain = two - one
    half = peak / 2.0
    if gain > HARMONIC_GAIN and half >= low:
        logger.info(
            "stride_frequency: spectral peak %.3f Hz is the second harmonic (autocorrelation "
            "%.2f at one period, %.2f at two); stride frequency %.3f Hz",
            peak, one, two, half,
        )  # fmt: skip
        return half
    if gain > AMBIGUOUS_GAIN:
        logger.warning(
            "stride_frequency: ambiguous stride frequency: %.3f Hz (the spectral peak) or %.3f Hz "
            "(half of it; autocorrelation %.2f at one period of the peak, %.2f at two). Kept "
            "%.3f Hz; pass band_hz=(%.2f, %.2f) for the slower or band_hz=(%.2f, %.2f) for the "
            "faster",
            peak, half, one, two, peak, 0.75 * half, 1.25 * half, 0.75 * peak, 1.25 * peak,
        )  # fmt: skip
    return peak


def _local_range(x: np.ndarray, width: int) -> np.ndarray:
    """Peak-to-peak range of ``x`` in a centred window of ``width`` samples."""
    return maximum_filter1d(x, width, mode="nearest") - minimum_filter1d(x, width, mode="nearest")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` index ranges where ``mask`` is True."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _fundamental_phase(x: np.ndarray, frequency_hz: float, sampling_rate_hz: float) -> np.ndarray:
    """Unwrapped instantaneous phase (rad) of the signal's fundamental, shape ``(n,)``.

    The signal is band-passed around the dominant frequency (zero-phase 2nd-order Butterworth,
    0.6-1.4 times ``frequency_hz``) and the phase taken from its analytic signal (Hilbert).
    """
    sos = butter(
        2,
        [0.6 * frequency_hz, 1.4 * frequency_hz],
        btype="bandpass",
        fs=sampling_rate_hz,
        output="sos",
    )
    return np.unwrap(np.angle(hilbert(sosfiltfilt(sos, x - x.mean()))))


def _extremum_phase(y: np.ndarray, phase: np.ndarray, usable: np.ndarray) -> float:
    """Phase (rad, in [0, 2 pi)) of the fundamental at which the average cycle of ``y`` peaks."""
    n_bins = 36
    bins = (np.mod(phase[usable], 2 * np.pi) / (2 * np.pi) * n_bins).astype(int) % n_bins
    counts = np.bincount(bins, minlength=n_bins)
    sums = np.bincount(bins, weights=y[usable], minlength=n_bins)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), -np.inf)
    return (int(np.argmax(means)) + 0.5) * 2 * np.pi / n_bins


def _regular_borders(
    places: list[tuple[float, np.ndarray, np.ndarray]], period: float
) -> list[int]:
    """One candidate per expected place: least size deficit plus irregularity (Viterbi).

    ``places`` holds, per expected place in time order, ``(expected sample, candidate samples,
    size deficit of each candidate as a fraction of the signal's range)``. The cost of a choice
    is the sum of the deficits plus, between consecutive places, the departure of the cycle
    length from the spacing of the expected places, as a fraction of ``period``.
    """
    if not places:
        return []
    cost = places[0][2].copy()
    choices: list[np.ndarray] = []
    for (before, previous, _), (after, candidates, deficit) in itertools.pairwise(places):
        lengths = candidates[None, :] - previous[:, None]
        total = cost[:, None] + np.abs(lengths - (after - before)) / period
        choices.append(np.argmin(total, axis=0))
        cost = deficit + total.min(axis=0)
    picked = [int(np.argmin(cost))]
    for choice in reversed(choices):
        picked.append(int(choice[picked[-1]]))
    picked.reverse()
    return [int(place[1][k]) for place, k in zip(places, picked, strict=True)]


def _cycle_bounds(
    y: np.ndarray, phase: np.ndarray, usable: np.ndarray, period: float, tolerance: float
) -> list[tuple[int, int]]:
    """Pairs of consecutive matching extrema inside the usable stretches (see segment_cycles)."""
    peaks, _ = find_peaks(y)
    target = _extremum_phase(y, phase, usable)
    turns = np.floor((phase - target) / (2 * np.pi))
    crossings = np.flatnonzero(np.diff(turns) > 0) + 1
    if crossings.size == 0:
        return []
    # one more expected place a period before the first and after the last crossing, so that
    # an extremum near either end of the signal is not lost
    expected = np.concatenate(([crossings[0] - period], crossings, [crossings[-1] + period]))
    margin = tolerance * period
    spread = float(np.ptp(np.percentile(y[usable], [5, 95]))) if usable.any() else 0.0
    spread = spread or 1.0
    bounds: list[tuple[int, int]] = []
    for start, end in _runs(usable):
        # runs of expected places that each have a local extremum within the margin
        chains: list[list[tuple[float, np.ndarray, np.ndarray]]] = [[]]
        for e in expected[(expected >= start - margin) & (expected < end + margin)]:
            window = peaks[(np.abs(peaks - e) <= margin) & (peaks >= start) & (peaks < end)]
            if window.size == 0:
                chains.append([])
                continue
            deficit = (y[window].max() - y[window]) / spread
            similar = deficit <= SIMILAR_EXTREMUM_FRACTION
            chains[-1].append((float(e), window[similar], deficit[similar]))
        for chain in chains:
            for a, b in itertools.pairwise(_regular_borders(chain, period)):
                if b > a:
                    bounds.append((a, b))
    return bounds


def time_normalise(signal: np.ndarray, start: int, end: int) -> np.ndarray:
    """Resample ``signal[start:end + 1]`` to :data:`CYCLE_POINTS` points (0-100 % of the cycle).

    Parameters
    ----------
    signal
        Signal, shape ``(n,)`` or ``(n, k)``.
    start, end
        First sample of the cycle and of the next cycle (``end`` is the cycle's 100 % point;
        when ``end == n`` the last sample is used).

    Returns
    -------
    numpy.ndarray
        Shape ``(CYCLE_POINTS,)`` or ``(CYCLE_POINTS, k)``; linear interpolation.

    """
    x = np.asarray(signal, dtype=float)
    last = min(end, x.shape[0] - 1)
    samples = np.arange(start, last + 1)
    target = np.linspace(start, last, CYCLE_POINTS)
    if x.ndim == 1:
        return np.interp(target, samples, x[start : last + 1])
    return np.column_stack([np.interp(target, samples, col[start : last + 1]) for col in x.T])


def segment_cycles(
    signal: np.ndarray,
    *,
    sampling_rate_hz: float,
    extremum: str = "max",
    band_hz: tuple[float, float] = STRIDE_BAND_HZ,
    window_fraction: float = 0.25,
    min_amplitude_fraction: float = 0.3,
    min_correlation: float = 0.8,
    include: np.ndarray | None = None,
    include_reason: str = "excluded by caller",
) -> CycleSegmentation:
    """Cut a periodic 1-D signal into cycles at one extremum per period of its dominant frequency.

    Parameters
    ----------
    signal
        Periodic signal, shape ``(n,)``, e.g. hip flexion (rad) or a foot gyroscope axis (rad/s).
    sampling_rate_hz
        Sampling rate, Hz.
    extremum
        ``"max"`` or ``"min"``: the extremum that starts each cycle (e.g. ``"max"`` of hip
        flexion lies near heel strike).
    band_hz
        Search band of the stride frequency, Hz (default :data:`STRIDE_BAND_HZ`, 0.3-1.5 Hz;
        see :func:`stride_frequency`).
    window_fraction
        Each extremum is searched within ``± window_fraction`` of the period around its expected
        place; a cycle whose duration departs from the median cycle duration by more than this
        fraction is rejected.
    min_amplitude_fraction
        Steadiness threshold: samples whose local peak-to-peak range (window of one period)
        falls below this fraction of the 90th percentile of that range are treated as standing
        or pausing and are not segmented.
    min_correlation
        Consistency threshold: a cycle whose time-normalised shape correlates with the median
        cycle at Pearson ``r`` below this value is rejected.
    include
        Optional boolean mask ``(n,)``: only samples where it is True may be part of a cycle
        (e.g. ``~turning_mask(...)`` to leave out turns).
    include_reason
        Reason reported for the stretches that ``include`` leaves out.

    Returns
    -------
    CycleSegmentation
        Frequency, every cycle (kept or rejected with a reason) and the dropped stretches.

    Raises
    ------
    GaitTwinInputError
        On a bad ``extremum``, fraction or mask, or a signal that :func:`stride_frequency`
        rejects.

    Notes
    -----
    1. Stride frequency ``f`` by :func:`stride_frequency` (the largest spectral peak, or half
       of it when that peak is the second harmonic); period ``T = fs / f`` samples.
    2. Steady walking: the local range ``max - min`` over a centred window of ``T`` samples must
       reach ``min_amplitude_fraction`` of its 90th percentile, and ``include`` must hold.
    3. Phase of the fundamental: the signal is band-passed at 0.6-1.4 ``f`` (zero-phase
       Butterworth) and its instantaneous phase taken from the analytic signal (Hilbert). The
       phase at which the average cycle (signal averaged in 36 phase bins over the steady
       samples) has its ``extremum`` marks the expected cycle starts: one per turn of the phase,
       so the expected places follow slow changes of cadence. Each cycle boundary is the largest
       local extremum within ``± window_fraction * T`` of its expected place, unless another
       local extremum there is within :data:`SIMILAR_EXTREMUM_FRACTION` (10 %) of the signal's
       range (5th to 95th percentile) of it: then, along each run of consecutive borders, the
       candidates are chosen together (dynamic programming) to minimise the sum of their
       deficits in size (fraction of the range) and of the departures of the cycle lengths from
       the spacing of the expected places (fraction of ``T``), so that a border does not jump
       between two near-equal peaks from stride to stride; a cycle joins two
       boundaries of consecutive turns inside one steady stretch. Aligning on the average
       cycle's extremum picks the same event in every stride even when a stride has two
       extrema of similar size (a foot gyroscope peaks at push-off and at heel strike).
    4. Each cycle is time-normalised to 101 points; cycles whose Pearson correlation with the
       pointwise median cycle is below ``min_correlation`` are rejected, and so are cycles whose
       duration departs from the median cycle duration by more than ``window_fraction``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0, 12, 0.01)
    >>> seg = segment_cycles(np.cos(2 * np.pi * t / 1.2), sampling_rate_hz=100.0)
    >>> round(seg.frequency_hz, 3), len(seg.kept)
    (0.833, 8)

    """
    x = check_shape("signal", signal, (None,))
    if extremum not in ("max", "min"):
        raise GaitTwinInputError(f"extremum: expected 'max' or 'min', found {extremum!r}")
    for name, value in (
        ("window_fraction", window_fraction),
        ("min_amplitude_fraction", min_amplitude_fraction),
    ):
        if not 0.0 < value < 1.0:
            raise GaitTwinInputError(f"{name}: expected a value in (0, 1), found {value}")
    if not -1.0 <= min_correlation <= 1.0:
        raise GaitTwinInputError(
            f"min_correlation: expected a value in [-1, 1], found {min_correlation}"
        )
    n = x.size
    allowed = np.ones(n, dtype=bool)
    if include is not None:
        allowed = check_mask("include", include, n).copy()
    frequency = stride_frequency(x, sampling_rate_hz=sampling_rate_hz, band_hz=band_hz)
    period = sampling_rate_hz / frequency
    local = _local_range(x, max(3, round(period)))
    moving = local >= min_amplitude_fraction * np.percentile(local, 90)

    y = x if extremum == "max" else -x
    phase = _fundamental_phase(x, frequency, sampling_rate_hz)
    bounds = _cycle_bounds(y, phase, allowed & moving, period, window_fraction)

    curves = cycle_curves(x, bounds)
    reference = np.median(curves, axis=0) if len(bounds) else np.zeros(CYCLE_POINTS)
    durations = np.array([e - s for s, e in bounds], dtype=float)
    typical = float(np.median(durations)) if len(bounds) else period
    cycles = []
    for (s, e), curve in zip(bounds, curves, strict=True):
        varies = np.ptp(curve) > 0 and np.ptp(reference) > 0
        r = float(np.corrcoef(curve, reference)[0, 1]) if varies else 0.0
        departure = abs(e - s - typical) / typical
        reason = ""
        if r < min_correlation:
            reason = f"shape: r = {r:.2f} with the median cycle < {min_correlation}"
        elif departure > window_fraction:
            reason = (
                f"duration: {(e - s) / sampling_rate_hz:.2f} s departs from the median "
                f"{typical / sampling_rate_hz:.2f} s by more than {window_fraction:.0%}"
            )
        kept = not reason
        cycles.append(Cycle(s, e, s / sampling_rate_hz, e / sampling_rate_hz, kept, r, reason))

    labels = np.full(n, "no cycle (irregular period or incomplete cycle)", dtype=object)
    labels[~moving] = f"low amplitude (< {min_amplitude_fraction} of typical): standing or pause"
    labels[~allowed] = include_reason
    for c in cycles:
        labels[c.start_sample : c.end_sample] = c.reason if not c.kept else ""
    dropped = []
    for start, end in _runs(labels != ""):
        for s, e in _label_runs(labels[start:end]):
            dropped.append(
                DroppedRange(
                    start + s,
                    start + e,
                    (start + s) / sampling_rate_hz,
                    (start + e) / sampling_rate_hz,
                    str(labels[start + s]),
                )
            )
    return CycleSegmentation(
        float(sampling_rate_hz), n, frequency, tuple(cycles), tuple(dropped), allowed & moving
    )


def _label_runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """Half-open ranges of equal consecutive labels."""
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    edges = np.concatenate(([0], change, [labels.size]))
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def turning_mask(
    heading_rad: np.ndarray,
    *,
    sampling_rate_hz: float,
    max_turn_rate_rad_s: float = 0.5,
    smoothing_s: float = 1.0,
) -> np.ndarray:
    """Return True where the walker turns: heading rate above ``max_turn_rate_rad_s``.

    Parameters
    ----------
    heading_rad
        Heading (yaw of the pelvis about the vertical), shape ``(n,)``, rad, unwrapped or not.
    sampling_rate_hz
        Sampling rate, Hz.
    max_turn_rate_rad_s
        Turn-rate threshold, rad/s. Straight walking sways the pelvis by about ±5° per step;
        averaged over ``smoothing_s`` this stays well under 0.5 rad/s (29 °/s), while a turn
        of 180° in 2-3 s is above 1 rad/s.
    smoothing_s
        Width of the centred moving average applied to the heading rate, s.

    Returns
    -------
    numpy.ndarray
        Boolean ``(n,)``; pass ``~turning_mask(...)`` to :func:`segment_cycles` as ``include``.

    """
    yaw = np.unwrap(check_shape("heading_rad", heading_rad, (None,)))
    rate = np.gradient(yaw) * sampling_rate_hz
    width = max(1, round(smoothing_s * sampling_rate_hz))
    smooth = np.convolve(rate, np.ones(width) / width, mode="same")
    return np.abs(smooth) > max_turn_rate_rad_s


def cycle_curves(signal: np.ndarray, bounds: list[tuple[int, int]]) -> np.ndarray:
    """Return every cycle of ``signal`` time-normalised, shape ``(len(bounds), CYCLE_POINTS)``.

    Parameters
    ----------
    signal
        Signal, shape ``(n,)``.
    bounds
        ``(start, end)`` sample pairs, e.g. heel strike to the next heel strike of that foot.

    Returns
    -------
    numpy.ndarray
        One row per cycle by :func:`time_normalise`; ``(0, CYCLE_POINTS)`` when there is none.

    """
    rows = [time_normalise(signal, int(s), int(e)) for s, e in bounds]
    return np.array(rows).reshape(-1, CYCLE_POINTS)
