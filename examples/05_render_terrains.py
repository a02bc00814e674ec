"""Example 5: render every rehabilitation terrain level with the avatar standing on it.

Builds the flat ground, the five 9 m ramp levels (top 0 to 0.75 m) and the five stair levels
(risers 0 to 15 cm, 30 cm treads), stands the default 9-DoF avatar on each (on the slope half
way up the ramp, or on the fourth step), probes the terrain with the 13 sagittal rays, and saves
one PNG per terrain, a contact sheet of all of them and a short GIF that walks the camera past.

    python examples/05_render_terrains.py --out out/example05
"""

from __future__ import annotations

import argparse
from pathlib import Path

import imageio.v2 as imageio
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import sim


def _stand_on(world: sim.Simulation) -> None:
    """Stand the avatar upright on the terrain: half way up the ramp, or on the 4th step."""
    terrain = world.terrain
    if terrain.kind == "stairs":
        x = terrain.start_x_m + 3.5 * terrain.tread_m
    else:
        x = terrain.start_x_m + 0.5 * terrain.ramp_length_m
    # the foot box is 0.25 foot lengths behind and 0.75 ahead of the ankle: sample the terrain
    # under both ends so that the sole rests on the highest point on a slope
    foot = world.body.segments["foot"].length_m
    ground = float(world.terrain.height_at(np.array([x - 0.25 * foot, x + 0.75 * foot])).max())
    world.reset_pose(
        [x, 0.0, ground + world.body.leg_length_m + 0.002],
        [0, 0, 0, 1],
        np.zeros(world.spec.n_dofs),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/example05"), help="output folder")
    parser.add_argument("--width", type=int, default=320, help="image width, pixels")
    parser.add_argument("--height", type=int, default=240, help="image height, pixels")
    parser.add_argument(
        "--levels", type=int, nargs="+", default=[1, 2, 3, 4], help="curriculum levels (1-4)"
    )
    parser.add_argument("--gif-frames", type=int, default=24, help="frames of the camera GIF")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    camera = sim.Camera(width=args.width, height=args.height, yaw_deg=-25.0)

    terrains = [sim.Terrain("flat")]
    terrains += [sim.Terrain(kind, level) for kind in ("ramp", "stairs") for level in args.levels]
    images = {}
    for terrain in terrains:
        name = "flat" if terrain.kind == "flat" else f"{terrain.kind}_level{terrain.level}"
        with sim.Simulation(terrain=terrain, fixed_root=True) as world:
            _stand_on(world)
            images[name] = sim.render_frame(world, camera=camera)
            rays = world.probe_rays()
        imageio.imwrite(args.out / f"{name}.png", images[name])
        print(
            f"{name:<16} rise {terrain.rise_m * 100:5.2f} cm, landing at "
            f"{terrain.top_height_m:.3f} m; ray distances from the pelvis (m): "
            + " ".join(f"{d:.2f}" for d in rays)
        )

    columns = 1 + len(args.levels)
    figure, axes = plt.subplots(2, columns, figsize=(3.2 * columns, 5.0), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(images["flat"])
    axes[0, 0].set_title("flat")
    for row, kind in enumerate(("ramp", "stairs")):
        for col, level in enumerate(args.levels, start=1):
            terrain = sim.Terrain(kind, level)
            axes[row, col].imshow(images[f"{kind}_level{level}"])
            unit = "top" if kind == "ramp" else "step"
            axes[row, col].set_title(f"{kind} {level}: {unit} {terrain.rise_m * 100:.2f} cm")
    figure.tight_layout()
    sheet = args.out / "terrains.png"
    figure.savefig(sheet, dpi=100)
    plt.close(figure)

    stairs = sim.Terrain("stairs", max(args.levels))
    frames = []
    with sim.Simulation(terrain=stairs, fixed_root=True) as world:
        _stand_on(world)
        for yaw in np.linspace(-80.0, 80.0, args.gif_frames):
            view = sim.Camera(width=args.width, height=args.height, yaw_deg=float(yaw))
            frames.append(sim.render_frame(world, camera=view))
    gif = sim.write_video(frames, args.out / "stairs_orbit.gif", fps=12.0) if frames else None
    print(f"wrote {len(images)} terrain images, {sheet}" + (f" and {gif}" if gif else ""))


if __name__ == "__main__":
    main()
