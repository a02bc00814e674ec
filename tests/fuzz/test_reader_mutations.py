"""Property: any single edit of a reader's input gives the same data or a named error.

For each reader in :data:`READERS` (adding a reader is one entry), one
:class:`_mutations.Mutation` is applied to a small real file, which is then read: a systematic
sweep (every line: a number replaced, the line deleted, the line repeated; the file cut short;
a byte-order mark; CRLF) and random edits drawn by hypothesis. Three outcomes pass:

- ``GaitTwinInputError`` whose message names the file by its path (and the line, column or
  field);
- the same data as the unedited file (the edit hit a comment, an ignored field, a line ending,
  a byte-order mark, a name);
- changed data that is *plausible* by the reader's own check in this file (below), and no edit
  that wrote a non-finite or huge number (``nan``, ``inf``, ``1e300``) into a number field.

Anything else fails: another exception type is a *generic* error, changed data outside the
plausible ranges is *silent*, and a read that takes longer than ``HANG_S`` is a *hang*.

Plausible, for the mocap readers (the limits the docs state): every value finite; frame time in
(0, 1] s; BVH frame count equal to ``Frames:`` and to the frame lines; rotation channels within
±360 deg; no bone longer than 2 m, the longest at least 5 cm, ASF lengths positive; root within
100 m of the origin and slower than 15 m/s between frames. These are re-derived here from the
edited text where they are file values, independently of the readers' code.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from _mutations import NON_FINITE_OR_HUGE, ODD_TOKENS, Mutation, mutations
from hypothesis import HealthCheck, event, given, settings

import gait
import imu
from imu import GaitTwinInputError

DATA = Path(__file__).parents[1] / "data"
CMU = DATA / "cmu" / "16_15"

#: A read that takes longer than this is a hang, s.
HANG_S = 5.0
#: Examples per reader; the whole suite stays under a minute on one core.
EXAMPLES = 200


class Hang(Exception):
    """A read did not return within ``HANG_S``."""


@dataclass(frozen=True)
class ReaderCase:
    """One reader under test.

    Parameters
    ----------
    name
        Test id.
    seed
        Writes the unedited input into a folder and returns the file that gets edited.
    read
        Reads that file (with any companion files) and returns the data.
    same
        Whether two results hold the same data.
    implausible
        ``(result, edited text) -> list of violations`` of the plausible ranges.
    files
        Names an error may give: the edited file's, or a companion's that the edit made
        inconsistent (an ASF edit can make its AMC unreadable).

    """

    name: str
    seed: Callable[[Path], Path]
    read: Callable[[Path], object]
    same: Callable[[object, object], bool]
    implausible: Callable[[object, str], list[str]]
    files: tuple[str, ...]


# --- mocap seeds: small cuts of the vendored CMU take 16_15 ---------------------------------


def _bvh_seed(folder: Path) -> Path:
    lines = (CMU / "walk_lowerbody.bvh").read_text().splitlines()
    motion = lines.index("MOTION")
    head = [*lines[: motion + 1], "Frames:\t12", lines[motion + 2]]
    path = folder / "walk.bvh"
    path.write_text("\n".join(head + lines[motion + 3 : motion + 15]) + "\n")
    return path


def _bvh_displacement_seed(folder: Path) -> Path:
    """The BVH seed as an export "with displacement": six channels on every joint, the
    position channels repeating each joint's OFFSET (as Axis Neuron writes them)."""
    lines = _bvh_seed(folder).read_text().splitlines()
    head, offset, offsets = [], None, []
    for line in lines[: lines.index("MOTION")]:
        words = line.split()
        if words[:1] == ["OFFSET"]:
            offset = words[1:]
        if words[:2] == ["CHANNELS", "3"]:
            line = line.replace("CHANNELS 3", "CHANNELS 6 Xposition Yposition Zposition")
            offsets.append(offset)
        head.append(line)
    frames = []
    for line in lines[lines.index("MOTION") + 3 :]:
        values = line.split()
        root, joints = values[:6], [values[6 + 3 * k : 9 + 3 * k] for k in range(len(offsets))]
        frames.append(
            " ".join(root + [v for o, r in zip(offsets, joints, strict=True) for v in o + r])
        )
    path = folder / "walk.bvh"
    path.write_text(
        "\n".join(head + lines[lines.index("MOTION") : lines.index("MOTION") + 3] + frames) + "\n"
    )
    return path


def _amc_seed(folder: Path) -> Path:
    lines = (CMU / "16_15.amc").read_text().splitlines()
    fourth_frame = lines.index("4")
    path = folder / "walk.amc"
    path.write_text("\n".join(lines[:fourth_frame]) + "\n")
    return path


def _asf_seed(folder: Path) -> Path:
    path = folder / "subject.asf"
    path.write_text((CMU / "16.asf").read_text())
    _amc_seed(folder)
    return path


SKELETON = gait.read_asf(CMU / "16.asf")


def _read_asf_and_amc(path: Path) -> gait.MocapTake:
    return gait.read_amc(path.with_name("walk.amc"), gait.read_asf(path))


def _same_take(a: gait.MocapTake, b: gait.MocapTake) -> bool:
    sa, sb = a.skeleton, b.skeleton
    return (
        a.sampling_rate_hz == b.sampling_rate_hz
        and sa.parents == sb.parents
        and np.array_equal(sa.offsets_m, sb.offsets_m)
        and np.array_equal(sa.rest_rotations, sb.rest_rotations)
        and np.array_equal(a.root_translation_m, b.root_translation_m)
        and np.array_equal(a.local_rotations, b.local_rotations)
    )


def _take_violations(take: gait.MocapTake) -> list[str]:
    """Plausible ranges of a take's numbers (finite values are the container's own check)."""
    out = []
    if not 1.0 <= take.sampling_rate_hz:
        out.append(f"frame time {1 / take.sampling_rate_hz} s > 1 s")
    bones = np.linalg.norm(take.skeleton.offsets_m[1:], axis=1)
    if bones.max() > 2.0 or bones.max() < 0.05:
        out.append(f"longest bone {bones.max()} m")
    root = take.root_translation_m
    if np.linalg.norm(root, axis=1).max() > 100.0:
        out.append("root beyond 100 m")
    speed = np.linalg.norm(np.diff(root, axis=0), axis=1) * take.sampling_rate_hz
    if len(speed) and speed.max() > 15.0:
        out.append(f"root speed {speed.max()} m/s")
    return out


def _numbers(words: list[str]) -> np.ndarray:
    """The tokens that are numbers (others are the readers' business), as floats."""
    out = []
    for word in words:
        try:
            out.append(float(word))
        except ValueError:
            continue
    return np.array([*out, 0.0])


def _bvh_violations(take: gait.MocapTake, text: str) -> list[str]:
    out = _take_violations(take)
    lines = text.lstrip("\ufeff").splitlines()
    motion = next(k for k, line in enumerate(lines) if line.split() == ["MOTION"])
    header = int(lines[motion + 1].split(":")[1])
    rows = [line.split() for line in lines[motion + 3 :] if line.strip()]
    if not take.n_frames == header == len(rows):
        out.append(f"{take.n_frames} frames read, Frames: {header}, {len(rows)} frame lines")
    channels = [c for line in lines[:motion] if "CHANNELS" in line for c in line.split()[2:]]
    rotations = [k for k, c in enumerate(channels) if c.endswith("rotation")]
    values = np.array([_numbers(row) for row in rows])
    if np.abs(values[:, rotations]).max() > 360:
        out.append("a rotation beyond 360 deg")
    return out


def _amc_violations(take: gait.MocapTake, text: str) -> list[str]:
    out = _take_violations(take)
    for line in text.splitlines():
        words = line.split()
        if len(words) > 1 and words[0] != "root" and np.abs(_numbers(words[1:])).max() > 360:
            out.append(f"a rotation beyond 360 deg: {line!r}")
        if words[:1] == ["root"] and np.abs(_numbers(words[4:])).max() > 360:
            out.append(f"a root rotation beyond 360 deg: {line!r}")
    return out


def _asf_violations(take: gait.MocapTake, text: str) -> list[str]:
    out = _take_violations(take)
    lengths = re.findall(r"^\s*length\s+(\S+)\s*$", text, re.MULTILINE)
    if _numbers(lengths)[:-1].min() <= 0:
        out.append(f"a length {_numbers(lengths)[:-1].min()}")
    for m in re.findall(r"^\s*axis\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s*$", text, re.MULTILINE):
        if np.abs(_numbers(list(m))).max() > 360:
            out.append(f"an axis angle beyond 360 deg: {m}")
    return out


# --- imu seeds: small cuts of the vendored Xsens recordings, and files our writers made ------

MTW = DATA / "xsens_mtw_walk"
DOT = DATA / "xsens_dot_nonwalk"
MTW_FILES = tuple(sorted(p.name for p in MTW.glob("*.txt")))
DOT_FILES = tuple(sorted(p.name for p in DOT.glob("*.csv")))


def _cut_folder(source: Path, pattern: str, folder: Path, keep_rows: int) -> list[Path]:
    """Copy every ``pattern`` file of ``source`` with its header and first ``keep_rows`` rows."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for file in sorted(source.glob(pattern)):
        lines = file.read_text(encoding="utf-8").splitlines()
        header = next(k for k, line in enumerate(lines) if line.startswith("PacketCounter"))
        out.append(folder / file.name)
        out[-1].write_text("\n".join(lines[: header + 1 + keep_rows]) + "\n", encoding="utf-8")
    return out


def _mtw_seed(folder: Path) -> Path:
    return _cut_folder(MTW, "*.txt", folder / "mtw", 30)[0]


def _dot_seed(folder: Path) -> Path:
    return _cut_folder(DOT, "*.csv", folder / "dot", 30)[0]


def _short_recording(folder: Path) -> imu.ImuRecording:
    """The first 20 samples of the Xsens MTw walk (real data for the writers to write)."""
    return imu.read_xsens_mtw(_cut_folder(MTW, "*.txt", folder / "source", 20))


def _calc_seed(folder: Path) -> Path:
    return imu.write_calc(_short_recording(folder), folder / "walk.calc")


def _csv_seed(folder: Path) -> Path:
    return imu.write_imu_csv(_short_recording(folder), folder / "walk.csv")


_RECORDING_ARRAYS = (
    "time_s",
    "quaternions",
    "acceleration_m_s2",
    "angular_velocity_rad_s",
    "magnetic_field",
    "position_m",
    "velocity_m_s",
    "foot_contacts",
)


def _same_recording(a: imu.ImuRecording, b: imu.ImuRecording) -> bool:
    if a.sampling_rate_hz != b.sampling_rate_hz or a.segments != b.segments:
        return False
    for name in _RECORDING_ARRAYS:
        x, y = getattr(a, name, None), getattr(b, name, None)
        if (x is None) != (y is None) or (x is not None and not np.array_equal(x, y)):
            return False
    return True


def _recording_violations(recording: imu.ImuRecording, text: str) -> list[str]:
    """Plausible: rate in [1, 2000] Hz, times increasing, unit quaternions (within 1 %)."""
    out = []
    if not 1.0 <= recording.sampling_rate_hz <= 2000.0:
        out.append(f"sampling rate {recording.sampling_rate_hz} Hz")
    if not (np.diff(recording.time_s) > 0).all():
        out.append("times do not increase")
    norms = np.linalg.norm(recording.quaternions, axis=-1)
    if np.abs(norms - 1.0).max() > 0.01:
        out.append(f"quaternion norm {norms.max()}")
    return out


def _in_folder(read: Callable[[Path], object]) -> Callable[[Path], object]:
    """Read the folder that holds the edited file (multi-file readers)."""
    return lambda path: read(path.parent)


#: The imu readers (added to the table last: their code was changing in the same session).
IMU_READERS = [
    ReaderCase(
        "xsens_mtw",
        _mtw_seed,
        _in_folder(imu.read_xsens_mtw),
        _same_recording,
        _recording_violations,
        MTW_FILES,
    ),
    ReaderCase(
        "xsens_dot",
        _dot_seed,
        _in_folder(imu.read_xsens_dot),
        _same_recording,
        _recording_violations,
        DOT_FILES,
    ),
    ReaderCase(
        "calc", _calc_seed, imu.read_calc, _same_recording, _recording_violations, ("walk.calc",)
    ),
    ReaderCase(
        "imu_csv",
        _csv_seed,
        imu.read_imu_csv,
        _same_recording,
        _recording_violations,
        ("walk.csv",),
    ),
]


#: Every reader under test: adding a reader is one entry.
READERS = [
    ReaderCase("bvh", _bvh_seed, gait.read_bvh, _same_take, _bvh_violations, ("walk.bvh",)),
    ReaderCase(
        "bvh_displacement",
        _bvh_displacement_seed,
        gait.read_bvh,
        _same_take,
        _bvh_violations,
        ("walk.bvh",),
    ),
    ReaderCase(
        "amc",
        _amc_seed,
        lambda p: gait.read_amc(p, SKELETON),
        _same_take,
        _amc_violations,
        ("walk.amc",),
    ),
    ReaderCase(
        "asf",
        _asf_seed,
        _read_asf_and_amc,
        _same_take,
        _asf_violations,
        ("subject.asf", "walk.amc"),
    ),
    *IMU_READERS,
]


def _raise_hang(signum, frame):
    raise Hang(f"read did not return within {HANG_S} s")


def _read_bounded(case: ReaderCase, path: Path) -> object:
    """Read with a wall-clock alarm: a hang becomes :class:`Hang` instead of a stuck suite."""
    previous = signal.signal(signal.SIGALRM, _raise_hang)
    signal.setitimer(signal.ITIMER_REAL, HANG_S)
    try:
        return case.read(path)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check(case: ReaderCase, seed: Seed, mutation: Mutation) -> str:
    """Apply ``mutation``, read, and return the outcome; fail on a generic error, silent
    change or hang."""
    path, original_text, original = seed
    text = mutation.apply(original_text)
    path.write_text(text, encoding="utf-8", newline="")
    try:
        result = _read_bounded(case, path)
    except GaitTwinInputError as error:
        named = any(f"{path.with_name(name)}'" in str(error) for name in case.files)
        assert named, f"{mutation}: error does not name the file: {error}"
        return "named error"
    finally:
        path.write_text(original_text, encoding="utf-8", newline="")
    if case.same(result, original):
        return "same data"
    assert not mutation.inserts_non_finite_or_huge, f"silent: {mutation} read as data"
    violations = case.implausible(result, text)
    assert not violations, f"silent: {mutation} read implausible data: {violations}"
    return "changed, plausible data"


#: The edited file, its unedited text and what the reader made of it.
Seed = tuple[Path, str, object]


def _seeded(case: ReaderCase, folder: Path) -> Seed:
    """Write the seed, read it once (it must be plausible) and return path, text and data."""
    path = case.seed(folder)
    text = path.read_text(encoding="utf-8")
    original = case.read(path)
    assert not case.implausible(original, text)
    return path, text, original


def sweep(text: str) -> list[Mutation]:
    """Systematic edits: on every line a number replaced (the special values in turn), the line
    deleted and repeated; the file cut at ten places; a byte-order mark; CRLF endings."""
    values = NON_FINITE_OR_HUGE + ODD_TOKENS
    out = [Mutation("byte_order_mark"), Mutation("crlf")]
    out += [Mutation("truncate", value=str(k)) for k in range(50, 1000, 100)]
    for i in range(len(text.split("\n"))):
        out.append(Mutation("replace_number", i, token=i, value=values[i % len(values)]))
        out += [Mutation("delete_line", i), Mutation("repeat_line", i)]
    return out


@pytest.mark.parametrize("case", READERS, ids=[c.name for c in READERS])
def test_systematic_edits_give_the_same_data_or_a_named_error(case, tmp_path):
    seed = _seeded(case, tmp_path)
    outcomes = [_check(case, seed, mutation) for mutation in sweep(seed[1])]
    assert outcomes.count("named error") > len(outcomes) / 5  # the edits do break the file


@pytest.mark.parametrize("case", READERS, ids=[c.name for c in READERS])
def test_random_edits_give_the_same_data_or_a_named_error(case, tmp_path_factory):
    seed = _seeded(case, tmp_path_factory.mktemp(case.name))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(mutation=mutations())
    def check(mutation: Mutation) -> None:
        event(_check(case, seed, mutation))

    check()
