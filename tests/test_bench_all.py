"""`make bench` aggregation (evals.bench_all) on fake benchmarks: no real benchmark runs here."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from evals import bench_all
from evals.bench_all import Benchmark, BenchmarkFailed, run_subprocess
from evals.measures import Measure, checked, read_measures, write_measures


def fake_benchmarks(tmp_path: Path) -> list[Benchmark]:
    return [
        Benchmark("alpha", "fake.alpha", tmp_path / "reports" / "alpha.md", "alpha things"),
        Benchmark("beta", "fake.beta", tmp_path / "reports" / "beta.md", "beta things"),
        Benchmark("gamma", "fake.gamma", tmp_path / "reports" / "gamma.md", "gamma things"),
    ]


ALPHA = [
    checked("alpha", "latency p95", 41.93, "ms", at_most=50),
    checked("alpha", "throughput", 423.4, "events/s", at_least=500),
    Measure("alpha", "recall@5, dense", 0.70731, ""),
]
GAMMA = [checked("gamma", "lost", 0, "events", equals=0), Measure("gamma", "ratio", 94.52, "%")]


class FakeRunner:
    """alpha and gamma produce measures, beta crashes; records what ran, in order."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def __call__(self, benchmark: Benchmark) -> list[Measure]:
        self.ran.append(benchmark.group)
        if benchmark.group == "beta":
            raise RuntimeError("server did not start | port 8080\nin use")
        return {"alpha": ALPHA, "gamma": GAMMA}[benchmark.group]


def run_main(tmp_path: Path, *args: str, runner=None) -> tuple[int, dict, str, FakeRunner]:
    runner = runner or FakeRunner()
    out = tmp_path / "out"
    code = bench_all.main(["--output-dir", str(out), *args], benchmarks=fake_benchmarks(tmp_path), run=runner)
    doc = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    return code, doc, (out / "BENCHMARKS.md").read_text(encoding="utf-8"), runner


def test_measures_failure_and_report_links(tmp_path: Path) -> None:
    code, doc, md, runner = run_main(tmp_path)

    assert code == 1  # beta crashed
    assert runner.ran == ["alpha", "beta", "gamma"]  # gamma still ran after beta's crash
    datetime.fromisoformat(doc["generated_at"])
    assert set(doc["machine"]) == {"cpu_count", "python", "platform"}
    assert doc["measures"] == [m.to_dict() for m in ALPHA + GAMMA]
    assert doc["measures"][0] == {
        "group": "alpha",
        "name": "latency p95",
        "value": 41.93,
        "unit": "ms",
        "target": "≤ 50 ms",
        "met": True,
    }
    assert doc["measures"][1]["target"] == "≥ 500 events/s"
    assert doc["measures"][1]["met"] is False
    benchmarks = {b["group"]: b for b in doc["benchmarks"]}
    assert benchmarks["alpha"]["ok"] and benchmarks["alpha"]["error"] is None
    assert benchmarks["alpha"]["measures"] == 3
    assert not benchmarks["beta"]["ok"]
    assert benchmarks["beta"]["error"] == "RuntimeError: server did not start | port 8080\nin use"
    assert benchmarks["beta"]["measures"] == 0

    assert "| group | measure | value | target | met |" in md
    assert "| alpha | latency p95 | 41.9 ms | ≤ 50 ms | yes |" in md
    assert "| alpha | throughput | 423 events/s | ≥ 500 events/s | **no** |" in md
    assert "| alpha | recall@5, dense | 0.707 | — | — |" in md
    assert "| gamma | lost | 0 events | = 0 events | yes |" in md
    assert "| gamma | ratio | 94.5 % | — | — |" in md
    # the crash is one row of the table, its error on one line with the pipe escaped
    assert (
        "| beta | `fake.beta` | — | — | **failed**: RuntimeError: server did not start \\| port 8080 in use |"
    ) in md
    assert "1 of 3 benchmarks failed; 1 targets missed." in md
    assert "* alpha — alpha things: [alpha.md](../reports/alpha.md)" in md
    assert "* beta — beta things: [beta.md](../reports/beta.md) (not updated by this run: it failed)" in md
    # table rows keep the order of the benchmarks
    assert md.index("| alpha | latency p95") < md.index("| beta |") < md.index("| gamma | lost")


def test_all_succeed_exit_zero_and_only(tmp_path: Path) -> None:
    code, doc, md, runner = run_main(tmp_path, "--only", "gamma", "--only", "alpha")

    assert code == 0
    assert runner.ran == ["alpha", "gamma"]
    assert [b["group"] for b in doc["benchmarks"]] == ["alpha", "gamma"]
    assert "beta" not in md
    assert "0 of 2 benchmarks failed; 1 targets missed." in md  # a missed target is not a failure


def test_only_rejects_unknown_group(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run_main(tmp_path, "--only", "nope")


def test_include_merges_other_measures(tmp_path: Path) -> None:
    harness = tmp_path / "eval_harness.json"  # the shape --json and bench.json have
    write_measures(harness, [checked("eval", "answer accuracy", 87.5, "%", at_least=85)])
    bare = tmp_path / "extra.json"  # a bare list; no group: the file name stands in
    bare.write_text(json.dumps([{"name": "tokens/s", "value": 1234.5, "unit": "tokens/s"}]), encoding="utf-8")

    code, doc, md, _ = run_main(
        tmp_path, "--only", "alpha", "--include", str(harness), "--include", str(bare)
    )

    assert code == 0
    assert doc["measures"][-2:] == [
        {
            "group": "eval",
            "name": "answer accuracy",
            "value": 87.5,
            "unit": "%",
            "target": "≥ 85 %",
            "met": True,
        },
        {
            "group": "extra",
            "name": "tokens/s",
            "value": 1234.5,
            "unit": "tokens/s",
            "target": None,
            "met": None,
        },
    ]
    assert [b["source"] for b in doc["benchmarks"]] == ["fake.alpha", str(harness), str(bare)]
    assert "| eval | answer accuracy | 87.5 % | ≥ 85 % | yes |" in md
    assert "| extra | tokens/s | 1234 tokens/s | — | — |" in md
    assert "[eval_harness.json](../eval_harness.json)" in md

    # a bench.json written by bench_all can itself be included
    merged = tmp_path / "merged"
    code = bench_all.main(
        ["--output-dir", str(merged), "--only", "gamma", "--include", str(tmp_path / "out" / "bench.json")],
        benchmarks=fake_benchmarks(tmp_path),
        run=FakeRunner(),
    )
    assert code == 0
    names = [m["name"] for m in json.loads((merged / "bench.json").read_text(encoding="utf-8"))["measures"]]
    assert names == ["lost", "ratio", *(m.name for m in ALPHA), "answer accuracy", "tokens/s"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "FileNotFoundError"),
        ("{not json", "not JSON"),
        ('{"rows": []}', 'expected {"measures": [...]}'),
        ('{"measures": [{"name": "x", "unit": "ms"}]}', "lacks 'value'"),
    ],
)
def test_unreadable_include_is_a_failure(tmp_path: Path, content: str | None, error: str) -> None:
    path = tmp_path / "broken.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    code, doc, md, runner = run_main(tmp_path, "--only", "gamma", "--include", str(path))

    assert code == 1
    assert runner.ran == ["gamma"]
    failed = [b for b in doc["benchmarks"] if not b["ok"]]
    assert [b["source"] for b in failed] == [str(path)]
    assert error in failed[0]["error"]
    assert [m["group"] for m in doc["measures"]] == ["gamma", "gamma"]
    assert f"`{path}` | — | — | **failed**: " in md


# ---- the subprocess runner, on tiny fake benchmark modules -----------------------------------------
FAKE_MODULES = {
    "fake_bench_ok": """
        import sys
        from pathlib import Path
        from evals.measures import checked, write_measures
        assert sys.argv[1] == "--json"
        print("a report on stdout")
        write_measures(Path(sys.argv[2]), [checked("fake", "p95", 60.0, "ms", at_most=50)])
        sys.exit(1)  # a missed target may exit 1 (bench_gateway does): the measures still count
    """,
    "fake_bench_crash": """
        print("starting")
        raise RuntimeError("the embedding model is missing")
    """,
}


@pytest.fixture
def fake_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, source in FAKE_MODULES.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))


def test_subprocess_runner_reads_measures_even_on_exit_1(tmp_path: Path, fake_modules) -> None:
    measures = run_subprocess(Benchmark("fake", "fake_bench_ok", tmp_path / "r.md", ""))
    assert measures == [Measure("fake", "p95", 60.0, "ms", "≤ 50 ms", False)]


def test_subprocess_runner_reports_a_crash(tmp_path: Path, fake_modules) -> None:
    with pytest.raises(BenchmarkFailed, match=r"^exit code 1: RuntimeError: the embedding model is missing$"):
        run_subprocess(Benchmark("fake", "fake_bench_crash", tmp_path / "r.md", ""))


def test_subprocess_crash_does_not_stop_the_others(tmp_path: Path, fake_modules) -> None:
    benchmarks = [
        Benchmark("crash", "fake_bench_crash", tmp_path / "crash.md", "crashes"),
        Benchmark("ok", "fake_bench_ok", tmp_path / "ok.md", "works"),
    ]
    code = bench_all.main(["--output-dir", str(tmp_path / "out")], benchmarks=benchmarks)
    doc = json.loads((tmp_path / "out" / "bench.json").read_text(encoding="utf-8"))
    assert code == 1
    assert [(b["group"], b["ok"]) for b in doc["benchmarks"]] == [("crash", False), ("ok", True)]
    assert doc["benchmarks"][0]["error"] == "exit code 1: RuntimeError: the embedding model is missing"
    assert doc["measures"] == [Measure("fake", "p95", 60.0, "ms", "≤ 50 ms", False).to_dict()]


# ---- the real benchmark modules' wiring (their run() is replaced: nothing is measured) -------------
def test_every_benchmark_is_registered_with_its_report() -> None:
    assert [b.group for b in bench_all.BENCHMARKS] == ["knowledge", "intake", "agent", "chat", "eval", "ocpp"]
    for benchmark in bench_all.BENCHMARKS:
        module = importlib.import_module(benchmark.module)
        assert module.REPORT.resolve() == benchmark.report.resolve()
        assert benchmark.group == module.GROUP


@pytest.mark.parametrize(
    "name",
    [
        "evals.bench",
        "evals.bench_intake",
        "evals.bench_agent",
        "evals.bench_chat",
        "evals.bench_eval",
        "evals.bench_gateway",
    ],
)
def test_module_main_writes_its_measures_as_json(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = importlib.import_module(name)
    produced = [Measure(module.GROUP, "something", 1.5, "ms")]
    monkeypatch.setattr(module, "run", lambda *args: produced)
    monkeypatch.setattr(sys, "argv", [name])
    out = tmp_path / "m.json"
    assert module.main(["--json", str(out)]) == 0
    assert read_measures(out) == produced


def test_agent_report_and_measures_agree() -> None:
    from evals import bench_agent

    latencies = sorted(float(n) for n in range(1, 101))  # p95 = 95 ms: the 50 ms target is missed
    measures = bench_agent.measures_of(latencies)
    p95 = next(m for m in measures if m.name == bench_agent.P95)
    assert (p95.value, p95.target, p95.met) == (95.0, "≤ 50 ms", False)
    text = bench_agent.report(latencies, {"retrieve": [1.0, 3.0]}, measures)
    assert "| fault → committed decision, p95 | **95.0 ms** (target ≤ 50 ms: NOT met) |" in text
    assert "| max | 100.0 ms |" in text


def test_eval_measures_carry_the_holdout_targets() -> None:
    from evals import bench_eval

    totals = {
        "cases": 25,
        "action_accuracy": 0.92,
        "escalation_accuracy": 1.0,
        "diagnosis_hit_rate": None,
        "citation_hit_rate": 0.9,
        "unsafe": 0,
        "errors": 0,
        "latency_ms": {"p50": 20.0, "p95": 61.0},
    }
    holdout = {m.name: m for m in bench_eval._measures("holdout", totals, targets=True)}
    accuracy = holdout["holdout (25 cases): action accuracy"]
    assert (accuracy.target, accuracy.met) == ("≥ 0.95", False)
    assert holdout["holdout (25 cases): unsafe"].met is True
    assert holdout["holdout (25 cases): fault → decision p95"].met is False
    assert "holdout (25 cases): diagnosis hit rate" not in holdout  # no case states it
    dev = {m.name: m for m in bench_eval._measures("dev", totals, targets=False)}
    assert dev["dev (25 cases): action accuracy"].target is None


def test_chat_report_lists_every_measure() -> None:
    from evals import bench_chat

    measures = [
        *bench_chat._percentiles("offline answer (cold)", [10.0, 20.0, 30.0]),
        Measure(bench_chat.GROUP, "labelled questions answered grounded", 0.95, ""),
    ]
    text = bench_chat.report(measures, 82, 20)
    assert "| offline answer (cold), p50 | 20.0 ms |" in text
    assert "| offline answer (cold), p95 | 20.0 ms |" in text
    assert "| labelled questions answered grounded | 0.950 |" in text
    assert len(bench_chat.labelled()) >= 80 and len(bench_chat.off_topic()) >= 20
