"""Example 10: train one task under its curriculum and compare the steps per level with the paper's.

Starts from a patient's adapted flat-ground run (``--adapted``, made by example 7) and trains the
slope or the stairs (``--task``) with the paper's settings (:func:`learn.train_task`: behavioural
prior, GAIL, promotion at 90 % of the flat-ground return after 500 episodes), with or without the
stair cue (``--no-stair-cue``: the ablation). Training stops once ``--stop-after-level`` is
mastered or the budget is spent; ``--resume`` continues an interrupted run from its newest
checkpoint (pass the same options); ``--finish`` ends a stopped run at its newest checkpoint
instead (:func:`learn.finish_task_run`: its outputs are written as if training had ended there).
``mastery.csv`` lists the steps to master each level next to the paper's. ``--paper-rule`` promotes
as runs started before the like-for-like rule did (:class:`learn.CurriculumSettings`);
``--min-pace-fraction`` and ``--pace-floor`` set the pace rule of promotion and the stairs' pace
floor (:class:`learn.CurriculumSettings`, :class:`learn.TaskSettings`; ``0`` for both resumes a run
started before they existed); ``--rehearsal-envs N`` has N of the environments rehearse mastered
levels (:class:`learn.tasks.CurriculumCallback`; issue 18's rehearsal lever, off by default);
``--evaluation-episodes N`` promotes by N deterministic episodes of the policy at the level
instead of the training episodes (:class:`learn.training.EvaluationPromoter`, off by default),
and ``--evaluation-max-falls K`` lets at most K of its window's episodes fall;
``--max-steps-only`` caps training episodes at 500 steps instead of lengthening them to pass the
end of the terrain at the patient's pace (``TaskSettings.to_the_end``; to resume a run started
before the course-length cap as it was recorded: without it, such a run goes on with the longer
episodes, and a warning says so);
``--patient-clip`` trains on a patient's clip file (e.g. a shipped
``patient_clip.npz``) instead of a bundled CMU trial. ``--terrain-reference`` retargets the
imitation reference to the slope or stairs (:class:`learn.env.TerrainReference`; GAIL keeps the
flat-ground reference pairs): the ablation of issue 18's terrain-aware reference; with
``--tread-steps`` its steps on the stairs are one tread long (at the patient's cadence) instead of
the patient's step length, and with ``--follow-walker`` the reference's stairs move with the
walker's lag in whole treads, so that it reaches the landing when the walker does
(:class:`learn.TaskSettings`).
``--compare`` tabulates several runs and draws their steps to master (``mastery.png``) and
episode returns and lengths over training (``training.png``), without training; with
``--adapted`` and ``--reach-level L`` it also rolls each run's controller out at level L
(``reach.csv``: episode length, falls, how far the pelvis got, risers passed, the return and
each reward term's mean per step: which term keeps a level below its promotion threshold), with
the reference each run was trained with.

    python examples/07_adapt_to_patient.py --atlas models/atlas --out out/adapt16 \
        --steps 100000 --no-scratch
    python examples/10_task_mastery.py --adapted out/adapt16/atlas --task slope \
        --out out/mastery/slope
    python examples/10_task_mastery.py --adapted out/adapt16/atlas --task stairs \
        --out out/mastery/stairs
    python examples/10_task_mastery.py --adapted out/adapt16/atlas --task stairs \
        --no-stair-cue --out out/mastery/stairs_no_cue
    python examples/10_task_mastery.py --compare out/mastery/slope out/mastery/stairs \
        out/mastery/stairs_no_cue --out out/mastery
    python examples/10_task_mastery.py --compare out/mastery/stairs out/mastery/stairs_no_cue \
        --adapted out/adapt16/atlas --reach-level 1 --out out/mastery/reach
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import gait
import learn
import sim

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"


def mastery_table(run: Path) -> pd.DataFrame:
    """Return the steps to master and episodes per level of a task run (finished or not).

    ``steps_to_master`` is empty for a level not (yet) mastered.
    """
    progress = learn.read_task_progress(run)
    task = progress["task"]
    heights = sim.RAMP_TOP_HEIGHTS_M if task == "slope" else sim.STAIR_STEP_HEIGHTS_M
    return pd.DataFrame(
        {
            "run": run.name,
            "task": task,
            "stair_cue": progress["use_stair_cue"] if task == "stairs" else None,
            "level": range(learn.tasks.N_LEVELS),
            "rise_cm": [100 * h for h in heights],
            "episodes": [
                progress["episodes_per_level"].get(k, 0) for k in range(learn.tasks.N_LEVELS)
            ],
            "steps_to_master": [
                progress["steps_to_master"].get(k) for k in range(learn.tasks.N_LEVELS)
            ],
            "paper_steps_to_master": learn.tasks.PAPER_STEPS_TO_MASTER[task],
            "run_steps": progress["num_timesteps"],
            "finished": progress["finished"],
        }
    )


def plot_mastery(table: pd.DataFrame, path: Path) -> None:
    """Bar chart of steps to master per level, each run next to the paper's, log scale."""
    runs = list(dict.fromkeys(table["run"]))
    fig, axes = plt.subplots(1, len(runs), figsize=(4.5 * len(runs), 3.6), squeeze=False)
    for ax, name in zip(axes[0], runs, strict=True):
        rows = table[table["run"] == name]
        levels = rows["level"].to_numpy()
        ours = rows["steps_to_master"].astype(float).to_numpy() / 1e6
        paper = rows["paper_steps_to_master"].to_numpy() / 1e6
        ax.bar(levels - 0.2, paper, 0.4, color="0.7", label="paper")
        ax.bar(levels + 0.2, np.nan_to_num(ours), 0.4, color="C0", label="gaittwin")
        for level, value in zip(levels, ours, strict=True):
            if np.isnan(value):
                ax.text(level + 0.2, 0.012, "not\nmastered", ha="center", fontsize=7)
        ax.set_yscale("log")
        ax.set_ylim(0.01, 100)
        ax.set_xticks(levels, [f"{r:g}" for r in rows["rise_cm"]])
        unit = "top elevation, cm" if rows["task"].iloc[0] == "slope" else "riser, cm"
        ax.set_xlabel(f"level ({unit})")
        ax.set_ylabel("steps to master, millions")
        ax.set_title(name)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


#: The curriculum's window pace in a task run's training log (`learn.tasks.CurriculumCallback`).
PACE_COLUMN = "mean/gen/curriculum/window_pace_fraction"


def plot_training(runs: list[Path], path: Path) -> None:
    """Episode return, length and the curriculum's window pace over training, one column a run.

    Top: the return (the environment's own reward, with the stair cue's penalty where it is
    on); dashed, the promotion threshold (90 % of the flat-ground return). Middle: the episode
    length, steps (a fall ends an episode early), which compares runs with and without the
    cue on the same scale. Bottom: the mean pace of the promotion window's episodes, as a
    fraction of the patient's nominal pace (one step per tread on stairs); dashed, the pace
    rule's minimum (runs logged before the pace rule leave it empty). Dotted: the promotions.
    """
    fig, axes = plt.subplots(
        3, len(runs), figsize=(4.5 * len(runs), 8.6), squeeze=False, sharex="col"
    )
    for column, run in enumerate(runs):
        log = learn.read_progress(run, steps_column=learn.runs.TASK_STEPS_COLUMN)
        progress = learn.read_task_progress(run)
        steps = log[learn.runs.TASK_STEPS_COLUMN] / 1e6
        top, middle, bottom = axes[:, column]
        top.plot(steps, log["mean/gen/rollout/ep_rew_mean"], color="C0", lw=1)
        top.axhline(progress["threshold"], color="0.4", ls="--", lw=1, label="promotion")
        middle.plot(steps, log["mean/gen/rollout/ep_len_mean"], color="C2", lw=1)
        pace = log.get(PACE_COLUMN, pd.Series(np.nan, index=log.index))
        bottom.plot(steps, pace, color="C1", lw=1)
        bottom.axhline(progress["min_pace_fraction"], color="0.4", ls="--", lw=1, label="pace rule")
        highest = float(pace.max()) if pace.notna().any() else 0.0
        bottom.set_ylim(0.0, max(1.2, 1.1 * highest))
        promoted = np.cumsum(
            [progress["steps_to_master"][k] for k in sorted(progress["steps_to_master"])]
        )
        for ax in (top, middle, bottom):
            for level, at in enumerate(promoted / 1e6):
                ax.axvline(at, color="C3", ls=":", lw=1)
                ax.text(at, ax.get_ylim()[0], f" L{level}", color="C3", fontsize=7, va="bottom")
        title = run.name
        if progress["task"] == "stairs":
            title += " (cue)" if progress["use_stair_cue"] else " (no cue)"
        top.set_title(title)
        top.set_ylabel("mean episode return")
        top.legend(fontsize=8, loc="lower right")
        middle.set_ylabel("mean episode length, steps")
        bottom.set_ylabel("window pace, of the nominal")
        bottom.legend(fontsize=8, loc="lower right")
        bottom.set_xlabel("training steps, millions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def reach_table(
    runs: list[Path], patient: gait.Motion, adapted: Path, level: int, n_rollouts: int
) -> pd.DataFrame:
    """How far each run's controller gets at one level: rollouts without the stair cue.

    Columns: ``run``, ``rollout``, ``steps`` (episode length), ``fell``, ``reach_m`` (the
    pelvis's largest x), ``risers_passed`` (step edges behind the pelvis at that point; 0 on
    the slope), ``return``, ``reward_per_step`` and the mean per step of each reward term but
    the cue (:data:`learn.env.REWARD_TERMS`). Rollout ``k`` is seeded ``k``.
    """
    rows = []
    for run in runs:
        progress = learn.read_task_progress(run)
        controller = learn.Controller.load(run)
        env = learn.task_env(
            patient,
            progress["task"],
            settings=learn.task_run_env_settings(adapted, run),
            level=level,
            stair_cue=False,
        )
        try:
            edges = env.simulation.terrain.step_edges_x_m
            for k in range(n_rollouts):
                rollout = learn.record_rollout(env, controller.act, seed=k)
                reach = float(rollout.root_position_m[:, 0].max())
                rows.append(
                    {
                        "run": run.name,
                        "rollout": k,
                        "steps": len(rollout.actions),
                        "fell": rollout.fell,
                        "reach_m": reach,
                        "risers_passed": int((edges < reach).sum()),
                        "return": rollout.episode_return,
                        "reward_per_step": float(rollout.rewards.mean()),
                        **{
                            name: float(values.mean())
                            for name, values in rollout.reward_terms.items()
                            if name != "stair_cue"
                        },
                    }
                )
        finally:
            env.close()
    return pd.DataFrame(rows)


def patient_motion(args: argparse.Namespace) -> gait.Motion:
    """Return the patient's clip: ``--patient-clip`` if given, else the bundled CMU trial."""
    if args.patient_clip is not None:
        return gait.Motion.load(args.patient_clip)
    return learn.cmu_walks(BUNDLED, trials=[args.patient])[0]


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapted", type=Path, help="the patient's adapted run (example 7)")
    parser.add_argument("--patient", default="16_15", help="bundled CMU trial of the patient")
    parser.add_argument(
        "--patient-clip",
        type=Path,
        help="the patient's clip file (patient_clip.npz of a prediction) instead of --patient",
    )
    parser.add_argument("--task", choices=sorted(learn.tasks.TASK_TERRAINS), default="slope")
    parser.add_argument("--out", type=Path, default=Path("out/mastery"), help="output folder")
    parser.add_argument("--steps", type=int, default=10_000_000, help="training budget")
    parser.add_argument("--envs", type=int, default=16, help="environments")
    parser.add_argument("--stop-after-level", type=int, default=4, help="stop once mastered")
    parser.add_argument(
        "--bc-decay-steps", type=int, default=1_000_000, help="alpha_BC decay (paper 5 M)"
    )
    parser.add_argument("--no-stair-cue", action="store_true", help="ablation without the cue")
    parser.add_argument(
        "--terrain-reference",
        action="store_true",
        help="imitate the patient's cycle retargeted to the slope or stairs (pelvis and feet on "
        "the surface, hips and knees by inverse kinematics) instead of the flat-ground cycle; "
        "GAIL keeps the flat-ground walk (default: off)",
    )
    parser.add_argument(
        "--tread-steps",
        action="store_true",
        help="with --terrain-reference on stairs: the retargeted cycle takes one step per tread "
        "at the patient's cadence (default: the patient's own step length)",
    )
    parser.add_argument(
        "--follow-walker",
        action="store_true",
        help="with --tread-steps: shift the reference's stairs by the walker's lag in whole "
        "treads, so that it meets the landing when the walker does (default: its own clock)",
    )
    parser.add_argument(
        "--paper-rule",
        action="store_true",
        help="promotion bar from deterministic flat-ground episodes, training returns with the "
        "cue (the rule of runs started before the like-for-like rule; needed to resume them)",
    )
    parser.add_argument(
        "--min-pace-fraction",
        type=float,
        default=learn.CurriculumSettings.min_pace_fraction,
        help="promotion also needs the window's episodes to move at this fraction of the "
        "patient's pace (one step per tread on stairs); 0: returns only, as runs started before "
        "the rule (default: %(default)s)",
    )
    parser.add_argument(
        "--rehearsal-envs",
        type=int,
        default=learn.CurriculumSettings.rehearsal_envs,
        help="environments that rehearse mastered levels below the current one, a level drawn "
        "per episode (default: %(default)s, none: the paper's curriculum)",
    )
    parser.add_argument(
        "--evaluation-episodes",
        type=int,
        default=learn.CurriculumSettings.evaluation_episodes,
        help="promote a level by this many episodes of the policy with deterministic actions at "
        "the level (every checkpoint, once the level's minimum episodes are played; the mean "
        "over --evaluation-window evaluations), against the deterministic flat-ground return; "
        "0: by the training episodes' window, as runs started before this option (default: "
        "%(default)s)",
    )
    parser.add_argument(
        "--evaluation-window",
        type=int,
        default=learn.CurriculumSettings.evaluation_window,
        help="evaluations the evaluation rule averages (default: %(default)s)",
    )
    parser.add_argument(
        "--evaluation-max-falls",
        type=int,
        help="with --evaluation-episodes: at most this many of the window's episodes may fall "
        "(e.g. 1 of 30); not given: the mean return only",
    )
    parser.add_argument(
        "--pace-floor",
        type=float,
        default=learn.TaskSettings.pace_floor,
        help="stairs: the speed term penalises a pace below this fraction of the patient's; 0: "
        "no speed term, as the paper and runs started before the floor (default: %(default)s)",
    )
    parser.add_argument(
        "--max-steps-only",
        action="store_true",
        help="cap every training episode at 500 steps, as the paper and runs started before the "
        "course-length cap (to resume one as recorded); default: an episode lasts until a walker "
        "at the patient's pace would pass the end of the ramp or stairs (a run started before "
        "goes on with such episodes, with a warning)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument("--resume", action="store_true", help="continue from a checkpoint")
    parser.add_argument(
        "--keep-checkpoints",
        type=int,
        default=3,
        help="newest checkpoints kept besides each level's mastery one (0: keep all)",
    )
    parser.add_argument(
        "--finish", action="store_true", help="end a stopped run at its newest checkpoint"
    )
    parser.add_argument(
        "--compare", type=Path, nargs="+", help="task runs to tabulate and plot (no training)"
    )
    parser.add_argument(
        "--reach-level",
        type=int,
        help="with --compare and --adapted: roll each run out at this level (reach.csv)",
    )
    parser.add_argument("--rollouts", type=int, default=10, help="rollouts for --reach-level")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    if args.compare is None and args.adapted is None:
        parser.error("--adapted is required unless --compare is given")
    if args.compare:
        table = pd.concat([mastery_table(run) for run in args.compare], ignore_index=True)
        plot_mastery(table, args.out / "mastery.png")
        plot_training(args.compare, args.out / "training.png")
        if args.reach_level is not None:
            if args.adapted is None:
                parser.error("--reach-level needs --adapted")
            patient = patient_motion(args)
            reach = reach_table(
                args.compare, patient, args.adapted, args.reach_level, args.rollouts
            )
            reach.to_csv(args.out / "reach.csv", index=False)
            shown = ["steps", "fell", "reach_m", "risers_passed", "return", "goal", "imitation"]
            print(reach.groupby("run")[shown].mean())
    else:
        if args.finish:
            learn.finish_task_run(args.adapted, args.out)
        else:
            patient = patient_motion(args)
            settings = learn.TaskSettings(
                n_envs=args.envs,
                bc_decay_steps=args.bc_decay_steps,
                terrain_reference=args.terrain_reference,
                tread_steps=args.tread_steps,
                follow_walker=args.follow_walker,
                pace_floor=args.pace_floor,
                to_the_end=not args.max_steps_only,
            )
            learn.train_task(
                args.adapted,
                patient,
                args.task,
                args.out,
                total_timesteps=args.steps,
                curriculum=learn.CurriculumSettings(
                    like_for_like=not args.paper_rule,
                    min_pace_fraction=args.min_pace_fraction,
                    rehearsal_envs=args.rehearsal_envs,
                    evaluation_episodes=args.evaluation_episodes,
                    evaluation_window=args.evaluation_window,
                    evaluation_max_falls=args.evaluation_max_falls,
                ),
                settings=settings,
                use_stair_cue=not args.no_stair_cue,
                seed=args.seed,
                resume=args.resume,
                stop_after_level=args.stop_after_level,
                keep_checkpoints=args.keep_checkpoints or None,
            )
        table = mastery_table(args.out)
    table.to_csv(args.out / "mastery.csv", index=False)
    print(table.to_string(index=False))
    return table


if __name__ == "__main__":
    learn.show_progress()  # the training's messages (e.g. each evaluation of the evaluation rule)
    main()
