"""`python -m bench --quick`: the whole harness in a tiny configuration, offline. Every figure must be
produced and sane; no figure is held to a time (the machines are shared, and `make bench` judges speed)."""

import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.packages import UV
from bench.report import BASELINES, SPLIT_PARTS
from tests.support import PROJECT_ROOT
from tests.support.deploy_tools import OFFLINE_GUARD, ZAPPA_CLI, package_venv, run_offline

pytestmark = pytest.mark.slow

SUBJECTS = {"bare", "zappa-hello", "apig-wsgi", "serverless-wsgi", "loopback"}
WARM_ONLY = {"loopback-warning", "loopback-debug"}


ZAPPA = f"{sys.executable} {ZAPPA_CLI}"


def offline_environment(home: Path) -> dict[str, str]:
    """A bench command's environment: the package virtualenv for Zappa, and the guard against leaving the machine."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "VIRTUAL_ENV": str(package_venv()),
        "PYTHONPATH": str(OFFLINE_GUARD.parent / "offline_site"),
    }


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("bench")
    environment = {
        **offline_environment(out),
        # The stock virtualenv comes from uv's cache, offline: the cache of this machine, not of HOME above.
        "UV_CACHE_DIR": subprocess.run([UV, "cache", "dir"], capture_output=True, text=True, check=True).stdout.strip(),
    }
    command = [sys.executable, "-m", "bench", "--quick", "--out", str(out), "--zappa", ZAPPA]
    result = run_offline(command, environment, out / "off-machine.log", cwd=PROJECT_ROOT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "results.json").read_text()), out


def numbers(value: Any, where: str = "") -> list[tuple[str, float]]:
    """Every number in the results, with where it is."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [(where, value)]
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in numbers(inner, f"{where}.{key}")]
    if isinstance(value, list):
        return [item for index, inner in enumerate(value) for item in numbers(inner, f"{where}[{index}]")]
    return []


def test_every_subject_has_every_figure(bench_run):
    results, _ = bench_run
    subjects = results["subjects"]
    assert set(subjects) == SUBJECTS | WARM_ONLY
    for key in SUBJECTS:
        cold = subjects[key]["cold"]
        assert cold["runs"] == len(cold["rounds_ms"]) == results["config"]["cold_runs"]
        assert set(cold["split_ms"]) == {
            "interpreter",
            "imports",
            "app_creation",
            "other_init",
            "first_request",
            "total",
        }
        assert sum(cold["split_ms"][part] for part in SPLIT_PARTS) == pytest.approx(cold["split_ms"]["total"])
        assert ("flask.app" in cold["import_self_ms"]) == (key != "bare")
        assert cold["min_ms"] <= cold["p25_ms"] <= cold["median_ms"] <= cold["p75_ms"] <= cold["max_ms"]
    for key in SUBJECTS | WARM_ONLY:
        warm = subjects[key]["warm"]
        assert warm["invocations"] == results["config"]["invocations"]
        assert warm["median_us"] <= warm["p99_us"]


def test_figures_are_finite_and_times_and_sizes_positive(bench_run):
    results, _ = bench_run
    found = numbers(results)
    assert all(math.isfinite(value) for _, value in found), [item for item in found if not math.isfinite(item[1])]
    positive = [
        (where, value)
        for where, value in found
        # Memory growth may be zero or negative; a bare handler imports no app and logs nothing.
        # A module's own import time rounds to 0 µs at times; other init is what remains of the handler's import
        # once its modules' import times are taken away, about 0 for a handler module that only imports.
        if not where.endswith(("rss_growth_mb", "log_bytes_per_request", "app_creation", "logging_cost", "other_init"))
        and ".import_self_ms." not in where
    ]
    assert [item for item in positive if item[1] <= 0] == []


def test_ratios_divide_by_the_same_runs_baselines(bench_run):
    results, _ = bench_run
    subjects = results["subjects"]
    for subject in subjects.values():
        for baseline in BASELINES:
            base = subjects[baseline]
            warm_pairs = zip(subject["warm"]["rounds_median_us"], base["warm"]["rounds_median_us"], strict=True)
            assert subject["ratios"][f"warm_vs_{baseline}"] == pytest.approx(
                statistics.median(mine / theirs for mine, theirs in warm_pairs)
            )
            if subject["cold"]:
                pairs = zip(subject["cold"]["rounds_ms"], base["cold"]["rounds_ms"], strict=True)
                assert subject["ratios"][f"cold_vs_{baseline}"] == pytest.approx(
                    statistics.median(mine / theirs for mine, theirs in pairs)
                )
    for baseline in BASELINES:
        assert subjects[baseline]["ratios"][f"warm_vs_{baseline}"] == 1
    sizes = results["packages"]
    assert sizes["zipped_vs_stock"] == pytest.approx(
        sizes["loopback-prod"]["zipped_bytes"] / sizes["stock-zappa"]["zipped_bytes"]
    )


def test_logging_is_priced_and_the_loopback_logs_one_line_per_request(bench_run):
    results, _ = bench_run
    warm = {key: subject["warm"] for key, subject in results["subjects"].items()}
    pairs = zip(warm["loopback"]["rounds_median_us"], warm["loopback-warning"]["rounds_median_us"], strict=True)
    assert results["logging_cost"] == pytest.approx(statistics.median(mine / quiet for mine, quiet in pairs) - 1)
    assert warm["loopback-warning"]["log_bytes_per_request"] == 0
    assert 50 < warm["loopback"]["log_bytes_per_request"] < 400  # one short JSON line
    assert warm["loopback-debug"]["log_bytes_per_request"] > warm["loopback"]["log_bytes_per_request"]


def test_package_sizes_are_of_real_zips(bench_run):
    results, _ = bench_run
    ours, stock = results["packages"]["loopback-prod"], results["packages"]["stock-zappa"]
    assert 100 < ours["files"] < stock["files"]
    assert ours["zipped_bytes"] < ours["unzipped_bytes"] <= results["limits"]["unzipped_bytes"]
    assert stock["zipped_bytes"] < stock["unzipped_bytes"]


def test_table_and_plot_are_written(bench_run):
    results, out = bench_run
    table = (out / "results.md").read_text()
    for subject in results["subjects"].values():
        assert subject["label"] in table
    assert table.count("| yes |") + table.count("| NO |") == 5
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_instruction_counts_of_a_cold_start_repeat(tmp_path):
    """`python -m bench.instructions`: the bare handler's cold start, counted twice, gives about the same count."""
    counts = []
    for _ in range(2):
        command = [sys.executable, "-m", "bench.instructions", "--subjects", "bare", "--zappa", ZAPPA]
        result = run_offline(
            command, offline_environment(tmp_path), tmp_path / "off-machine.log", cwd=PROJECT_ROOT, timeout=300
        )
        assert result.returncode == 0, result.stdout + result.stderr
        [line] = result.stdout.splitlines()
        assert line.startswith("bare handler (floor)"), line
        counts.append(float(line.split()[-3]))
    assert counts[0] > 1  # millions: an interpreter's start alone runs tens of millions
    assert counts[1] == pytest.approx(counts[0], rel=0.01)


def test_instruction_count_of_a_warm_request(tmp_path):
    command = [sys.executable, "-m", "bench.instructions", "--subjects", "bare", "--warm", "50", "--zappa", ZAPPA]
    result = run_offline(command, offline_environment(tmp_path), tmp_path / "off-machine.log", cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("bare handler (floor)") and line.endswith("k instructions per warm request"), line
    # A bare handler's request is a function call and a dict: some thousands of instructions, not millions.
    assert 0 < float(line.split()[-6]) < 1_000, line
