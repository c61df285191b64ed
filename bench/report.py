"""Turn one run's raw results into ratios, target verdicts, the Markdown table and the plot."""

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MB = 10**6
# What the loopback is compared with: the floor of any handler, Zappa's own floor, and the thinnest
# adapter's floor (the same hello-world Flask app behind apig-wsgi), which the prod package's cold start meets.
BASELINES = ("bare", "zappa-hello", "apig-wsgi")
COLD_BASELINE = "apig-wsgi"
SPLIT_PARTS = ("interpreter", "imports", "app_creation", "other_init", "first_request")
# Modules under this share of a millisecond are summed into one line of the "beyond" table.
BEYOND_SHOWN_MS = 0.3


@dataclass(frozen=True)
class Target:
    name: str
    measured: float
    limit: float
    unit: str

    @property
    def holds(self) -> bool:
        return self.measured <= self.limit


def add_ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Add, for every subject, its cold-start, warm and memory figures divided by each baseline's of the same run."""
    subjects = results["subjects"]
    for subject in subjects.values():
        ratios: dict[str, float] = {}
        for baseline in BASELINES:
            base = subjects[baseline]
            if subject["cold"]:
                ratios[f"cold_vs_{baseline}"] = paired_ratio(subject["cold"]["rounds_ms"], base["cold"]["rounds_ms"])
                ratios[f"peak_rss_vs_{baseline}"] = subject["cold"]["peak_rss_mb"] / base["cold"]["peak_rss_mb"]
            ratios[f"warm_vs_{baseline}"] = paired_ratio(
                subject["warm"]["rounds_median_us"], base["warm"]["rounds_median_us"]
            )
            ratios[f"warm_p99_vs_{baseline}"] = subject["warm"]["p99_us"] / base["warm"]["p99_us"]
        subject["ratios"] = ratios
    sizes = results["packages"]
    sizes["zipped_vs_stock"] = sizes["loopback-prod"]["zipped_bytes"] / sizes["stock-zappa"]["zipped_bytes"]
    sizes["unzipped_vs_stock"] = sizes["loopback-prod"]["unzipped_bytes"] / sizes["stock-zappa"]["unzipped_bytes"]
    quiet = subjects["loopback-warning"]["warm"]["rounds_median_us"]
    results["logging_cost"] = paired_ratio(subjects["loopback"]["warm"]["rounds_median_us"], quiet) - 1
    results["debug_cost"] = paired_ratio(subjects["loopback-debug"]["warm"]["rounds_median_us"], quiet)
    return results


def paired_ratio(rounds: list[float], baseline_rounds: list[float]) -> float:
    """The median of the round-by-round ratios of two subjects' figures (cold starts, or warm medians).

    Each round starts every subject once, one after another: a slow spell of a shared machine weighs on both
    sides of that round's ratio, where the ratio of two medians would take it on one side only.
    """
    return statistics.median(mine / theirs for mine, theirs in zip(rounds, baseline_rounds, strict=True))


def targets(results: dict[str, Any]) -> list[Target]:
    loopback = results["subjects"]["loopback"]
    warm = loopback["warm"]
    return [
        Target("prod package, zipped", results["packages"]["loopback-prod"]["zipped_bytes"] / MB, 2.0, "MB"),
        Target("cold start vs apig-wsgi hello-world", loopback["ratios"][f"cold_vs_{COLD_BASELINE}"], 1.00, "×"),
        Target("warm request vs Zappa hello-world", loopback["ratios"]["warm_vs_zappa-hello"], 1.25, "×"),
        Target(f"RSS growth over {warm['invocations']:,} warm invocations", warm["rss_growth_mb"], 2.0, "MB"),
        Target("INFO logging, share of a request", results["logging_cost"] * 100, 5.0, "%"),
    ]


def markdown(results: dict[str, Any]) -> str:
    subjects = results["subjects"]
    sizes = results["packages"]
    config = results["config"]
    machine = results["machine"]
    lines = [
        "# loopback benchmark",
        "",
        f"`make bench` on Python {machine['python']}, {machine['cpus']} CPUs. Ratios divide by the baseline measured "
        f"in the same run; absolute figures are this machine's. Cold start: median of {config['cold_runs']} fresh "
        f"processes (IQR in brackets), from process start to the first answer; its ratios are the median of the "
        f"{config['cold_runs']} rounds' ratios (each round starts every subject once, in turn). Warm: "
        f"{config['invocations']:,} timed invocations after {config['warm_up']:,} of warm-up, in one process; its "
        f"ratios are the median of {config['warm_rounds']} rounds' ratios of the median of "
        f"{config['round_invocations']:,} invocations, each subject once per round.",
        "",
        "| subject | cold start | × bare | × Zappa hello | × apig-wsgi | peak RSS | warm median | p99 | req/s"
        " | × bare | × Zappa hello | RSS growth | log/request |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for subject in subjects.values():
        cold, warm, ratios = subject["cold"], subject["warm"], subject["ratios"]
        cold_cells = (
            [
                f"{cold['median_ms']:.1f} ms [{cold['p25_ms']:.1f}–{cold['p75_ms']:.1f}]",
                f"{ratios['cold_vs_bare']:.2f}",
                f"{ratios['cold_vs_zappa-hello']:.2f}",
                f"{ratios[f'cold_vs_{COLD_BASELINE}']:.2f}",
                f"{cold['peak_rss_mb']:.1f} MB",
            ]
            if cold
            else ["–"] * 5
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    subject["label"],
                    *cold_cells,
                    f"{warm['median_us']:.0f} µs",
                    f"{warm['p99_us']:.0f} µs",
                    f"{warm['requests_per_second']:,.0f}",
                    f"{ratios['warm_vs_bare']:.2f}",
                    f"{ratios['warm_vs_zappa-hello']:.2f}",
                    f"{warm['rss_growth_mb']:+.2f} MB",
                    f"{warm['log_bytes_per_request']:.0f} B",
                ]
            )
            + " |"
        )
    lines += [
        "",
        "## Cold start, split (median of the `-X importtime` runs, ms)",
        "",
        "| subject | interpreter | imports | app creation | other init | first request | total |",
        "|---|---|---|---|---|---|---|",
    ]
    for subject in subjects.values():
        if subject["cold"]:
            split = subject["cold"]["split_ms"]
            cells = [f"{split[part]:.1f}" for part in (*SPLIT_PARTS, "total")]
            lines.append(f"| {subject['label']} | " + " | ".join(cells) + " |")
    lines += ["", *beyond_baseline(results)]
    ours, stock = sizes["loopback-prod"], sizes["stock-zappa"]
    lines += [
        "",
        "## Package",
        "",
        "| package | zipped | unzipped | files |",
        "|---|---|---|---|",
        f"| loopback prod (`make package STAGE=prod`) | {ours['zipped_bytes'] / MB:.2f} MB"
        f" | {ours['unzipped_bytes'] / MB:.2f} MB | {ours['files']} |",
        f"| stock Zappa, same app, default settings | {stock['zipped_bytes'] / MB:.2f} MB"
        f" | {stock['unzipped_bytes'] / MB:.2f} MB | {stock['files']} |",
        f"| Lambda's limit | {results['limits']['zipped_bytes'] / MB:.0f} MB"
        f" | {results['limits']['unzipped_bytes'] / MB:.0f} MB | |",
        "",
        f"The prod package is {sizes['zipped_vs_stock']:.3f} × stock Zappa's zipped size and "
        f"{sizes['unzipped_vs_stock']:.3f} × unzipped.",
        "",
        "## Targets",
        "",
        "| target | measured | limit | holds |",
        "|---|---|---|---|",
    ]
    for target in targets(results):
        lines.append(
            f"| {target.name} | {target.measured:.2f} {target.unit} | ≤ {target.limit:.2f} {target.unit}"
            f" | {'yes' if target.holds else 'NO'} |"
        )
    lines += [
        "",
        f"Zappa's `log_level` DEBUG instead of INFO: {results['debug_cost']:.2f} × a request logged at WARNING.",
        "",
    ]
    return "\n".join(lines)


def beyond_baseline(results: dict[str, Any]) -> list[str]:
    """What the prod package's cold start does beyond apig-wsgi's hello-world: the modules only it imports
    (own import time, by package), and the split's parts side by side."""
    subjects = results["subjects"]
    ours, theirs = subjects["loopback"]["cold"], subjects[COLD_BASELINE]["cold"]
    only_ours = {
        module: ms for module, ms in ours["import_self_ms"].items() if module not in theirs["import_self_ms"] and ms > 0
    }
    by_package: dict[str, float] = {}
    for module, ms in only_ours.items():
        package = module.split(".", 1)[0]
        by_package[package] = by_package.get(package, 0.0) + ms
    shown = sorted(((ms, package) for package, ms in by_package.items() if ms >= BEYOND_SHOWN_MS), reverse=True)
    rest = sum(ms for ms in by_package.values() if ms < BEYOND_SHOWN_MS)
    lines = [
        f"## Cold start beyond {subjects[COLD_BASELINE]['label']}",
        "",
        f"Modules only the prod package imports ({len(only_ours)}, {sum(only_ours.values()):.1f} ms of own import"
        " time under `-X importtime`), by package; then the split's parts of both (ms).",
        "",
        "| package | ms |",
        "|---|---|",
        *(f"| {package} | {ms:.1f} |" for ms, package in shown),
        f"| others, each under {BEYOND_SHOWN_MS} ms | {rest:.1f} |",
        "",
        "| part | prod package | " + subjects[COLD_BASELINE]["label"] + " | difference |",
        "|---|---|---|---|",
    ]
    for part in (*SPLIT_PARTS, "total"):
        mine, base = ours["split_ms"][part], theirs["split_ms"][part]
        lines.append(f"| {part.replace('_', ' ')} | {mine:.1f} | {base:.1f} | {mine - base:+.1f} |")
    return lines


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    subjects = results["subjects"]
    cold_keys = [key for key, subject in subjects.items() if subject["cold"]]
    figure, ((cold_axis, warm_axis), (memory_axis, size_axis)) = pyplot.subplots(2, 2, figsize=(14, 9))
    labels = [_two_lines(subjects[key]["label"]) for key in cold_keys]

    left = [0.0] * len(cold_keys)
    for part in SPLIT_PARTS:
        widths = [subjects[key]["cold"]["split_ms"][part] for key in cold_keys]
        cold_axis.barh(labels, widths, left=left, label=part.replace("_", " "))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    medians = [subjects[key]["cold"]["median_ms"] for key in cold_keys]
    cold_axis.scatter(medians, labels, color="black", marker="|", s=400, zorder=3, label="median cold start")
    cold_axis.set_xlabel("ms (bars: split under -X importtime)")
    cold_axis.set_title("Cold start, process start to first answer")
    cold_axis.legend(fontsize=8)

    warm_keys = list(subjects)
    warm_labels = [_two_lines(subjects[key]["label"]) for key in warm_keys]
    warm_axis.barh(warm_labels, [subjects[key]["warm"]["p99_us"] for key in warm_keys], color="#cccccc", label="p99")
    warm_axis.barh(warm_labels, [subjects[key]["warm"]["median_us"] for key in warm_keys], label="median")
    warm_axis.set_xlabel("µs per request")
    warm_axis.set_title("Warm request through the handler")
    warm_axis.legend(fontsize=8)

    memory_axis.barh(labels, [subjects[key]["cold"]["peak_rss_mb"] for key in cold_keys])
    memory_axis.set_xlabel("MB")
    memory_axis.set_title("Peak RSS after the first answer")

    sizes = results["packages"]
    names = ["loopback prod", "stock Zappa"]
    zipped = [sizes["loopback-prod"]["zipped_bytes"] / MB, sizes["stock-zappa"]["zipped_bytes"] / MB]
    unzipped = [sizes["loopback-prod"]["unzipped_bytes"] / MB, sizes["stock-zappa"]["unzipped_bytes"] / MB]
    size_axis.barh([f"{name}\nzipped" for name in names], zipped)
    size_axis.barh([f"{name}\nunzipped" for name in names], unzipped)
    size_axis.axvline(results["limits"]["zipped_bytes"] / MB, color="red", linestyle="--", label="50 MB zipped limit")
    size_axis.set_xscale("log")
    size_axis.set_xlabel("MB (log scale); Lambda's unzipped limit is 250 MB")
    size_axis.set_title("Package size")
    size_axis.legend(fontsize=8)

    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def _two_lines(label: str) -> str:
    """A subject's label broken where the plot's axis has room for it."""
    return label.replace(" via ", "\nvia ").replace(", ", "\n")
