# gaittwin: every target builds its own .venv from nothing when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint bench docs browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first: the CPU build served locally; any other request pulls GB of CUDA packages
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

# The pipeline on the bundled Xsens walk, stage by stage; results in out/demo.
demo: $(STAMP)
	rm -rf out/demo  # a fresh run: the prediction stages would reuse an earlier demo's outputs
	$(BIN)/python examples/01_imu_to_joint_angles.py --out out/demo/01_joint_angles
	$(BIN)/python examples/02_segment_steps.py --out out/demo/02_steps
	$(BIN)/python examples/04_contact_correction.py --out out/demo/04_contact_correction
	$(BIN)/python examples/09_patient_report.py --out out/demo/09_report --atlas models/atlas \
		--shipped models/patients/xsens_mtw_walk --task-steps 2048 --max-steps 500 --rollouts 3
	@echo "Training one stage live: the shipped slope run's command, stopped once level 0 is"
	@echo "mastered (about 250 k steps of its 3 M budget, so ignore the bar's time left; 4-5 min)."
	$(BIN)/python examples/10_task_mastery.py --adapted models/patients/xsens_mtw_walk/adapt \
		--patient-clip models/patients/xsens_mtw_walk/patient_clip.npz --task slope \
		--out out/demo/10_slope_live --steps 3000000 --stop-after-level 0
	@echo "demo results in out/demo: joint angles, steps, contact-corrected clip and video, the"
	@echo "prediction report out/demo/09_report/report.html (its measures as a table: outcomes.csv)"
	@echo "and a slope training run out/demo/10_slope_live."
	@echo "The report's adapted controller, slope controllers (levels 0-3 mastered) and stairs"
	@echo "controllers (levels 0-2 mastered) are loaded from models/patients/xsens_mtw_walk (see its"
	@echo "README) and evaluated here; its status line names the levels that were not mastered and are"
	@echo "therefore not predictions (slope 4, stairs 3-4). The slope run trained live here, from the"
	@echo "same adapted controller, repeats the shipped slope run until it masters level 0"
	@echo "(its steps to master are in out/demo/10_slope_live/mastery.csv; the shipped run needed"
	@echo "249,456, this version 248,000 on the project's machine)."

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

test: lint
	$(BIN)/python -m pytest -n 2 -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir out/site

# Debian's Chromium (/usr/bin/chromium) for the report's browser tests in tests/learn/test_report.py
# (skipped without it). Needs root: it runs apt-get. Does nothing when Chromium is installed.
browser:
	@if [ -x /usr/bin/chromium ]; then echo "browser: /usr/bin/chromium is installed"; \
	elif [ "$$(id -u)" != 0 ]; then echo "browser: run as root (apt-get install chromium)"; exit 1; \
	else export DEBIAN_FRONTEND=noninteractive && apt-get update -q && \
		apt-get install -y -q --no-install-recommends chromium; fi

clean:
	rm -rf $(VENV) out build src/*.egg-info
