"""The `borderline risk mcda …` commands end to end, with the exact JSON shapes of issue 9."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import BorderlineError

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ahp_json_shape_and_warning() -> None:
    code, out, err = _run("risk", "mcda", "ahp", str(DATA / "ahp_wang_chin_2011.csv"), "--json")
    assert code == 0
    body = json.loads(out)
    assert set(body) >= {"weights", "lambda_max", "ci", "cr"}
    assert list(body["weights"]) == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert body["weights"]["C1"] == pytest.approx(0.3208, abs=5e-5)
    assert body["lambda_max"] == pytest.approx(7.4199, abs=5e-5)
    assert body["cr"] == pytest.approx(0.229, abs=5e-4)
    assert body["consistent"] is False
    assert "warning:" in err and "CR = 0.229" in err


def test_ahp_strict_refuses() -> None:
    code, out, _err = _run(
        "risk", "mcda", "ahp", str(DATA / "ahp_wang_chin_2011.csv"), "--json", "--strict"
    )
    assert code != 0
    assert out == ""


def test_ahp_geometric_mean_records_method() -> None:
    code, out, _ = _run(
        "risk",
        "mcda",
        "ahp",
        str(DATA / "ahp_wang_chin_2011.csv"),
        "--method",
        "geometric-mean",
        "--json",
    )
    assert code == 0
    body = json.loads(out)
    assert body["parameters"]["prioritisation"] == "geometric_mean"
    assert body["weights"]["C6"] == pytest.approx(0.148, abs=5e-4)


def test_entropy_json_shape() -> None:
    code, out, _ = _run("risk", "mcda", "entropy", str(DATA / "entropy_elsayed_2017.csv"), "--json")
    assert code == 0
    weights = json.loads(out)["weights"]
    assert weights["K4"] == pytest.approx(0.449937, abs=5e-6)
    assert weights["K5"] == pytest.approx(0.304575, abs=5e-6)


@pytest.mark.parametrize(
    ("norm", "ranking", "a2"),
    [("minmax", ["A2", "A1", "A3"], 0.617), ("vector", ["A1", "A2", "A3"], 0.722)],
)
def test_topsis_json_shape(norm: str, ranking: list[str], a2: float) -> None:
    code, out, _ = _run(
        "risk",
        "mcda",
        "topsis",
        str(DATA / "topsis_opricovic_tzeng_2004.csv"),
        "--weights",
        "0.5,0.5",
        "--types",
        "-,+",
        "--normalization",
        norm,
        "--json",
    )
    assert code == 0
    body = json.loads(out)
    assert body["ranking"] == ranking
    assert body["scores"]["A2"] == pytest.approx(a2, abs=5e-4)
    assert body["parameters"]["normalization"] == norm


def test_vikor_gra_critic_and_fuzzy_commands(tmp_path: Path) -> None:
    f = str(DATA / "topsis_opricovic_tzeng_2004.csv")
    code, out, _ = _run("risk", "mcda", "vikor", f, "--types", "-,+", "--json")
    assert code == 0 and json.loads(out)["ranking"][0] == "A2"
    code, out, _ = _run("risk", "mcda", "gra", f, "--types", "-,+", "--json")
    assert code == 0 and json.loads(out)["scores"]["A2"] == pytest.approx(7 / 12)
    code, out, _ = _run("risk", "mcda", "critic", str(DATA / "entropy_elsayed_2017.csv"), "--json")
    assert code == 0 and json.loads(out)["method"] == "critic"
    m = tmp_path / "r.csv"
    m.write_text("factor,low,medium,high\nf1,0.2,0.5,0.3\nf2,0.6,0.3,0.1\n")
    code, out, _ = _run("risk", "mcda", "fuzzy", str(m), "--weights", "0.7,0.3", "--json")
    assert code == 0 and json.loads(out)["grade"] == "medium"


@pytest.mark.parametrize(
    ("content", "args", "fragment"),
    [
        ("c,a,b\na,1,3\nb,1/2,1\n", ["ahp"], "not reciprocal"),
        ("c,a,b\na,1,-3\nb,-1/3,1\n", ["ahp"], "must be positive"),
        ("c,a,b,c\na,1,3,2\nb,1/3,1,2\n", ["ahp"], "needs 3 rows"),
        ("a,c1,c2\nx,1,2\ny,3,4\n", ["topsis", "--types", "+"], "1 criterion types"),
        (
            "a,c1,c2\nx,1,2\ny,3,4\n",
            ["topsis", "--types", "+,+", "--normalization", "l2"],
            "unknown normalization",
        ),
        (
            "a,c1,c2\nx,1,2\ny,3,4\n",
            ["topsis", "--types", "+,+", "--weights", "1,a"],
            "not a number",
        ),
    ],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path, content: str, args: list[str], fragment: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(content)
    cmd, *rest = args
    result = runner.invoke(app, ["risk", "mcda", cmd, str(path), *rest, "--json"])
    # main() turns a BorderlineError into "error: where: message" and exit 2 (checked below).
    assert isinstance(result.exception, BorderlineError)
    assert fragment in str(result.exception)
    assert result.stdout == ""


def test_main_prints_error_and_exits_2(tmp_path: Path) -> None:
    # One real process: the installed entry point's error path, as a user sees it.
    path = tmp_path / "in.csv"
    path.write_text("c,a,b\na,1,3\nb,1/2,1\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from borderline.cli import main; main()",
            "risk",
            "mcda",
            "ahp",
            str(path),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {path}:b/a: not reciprocal")
