"""The README's Python API example runs as written (on the sample data, in a temp dir)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def api_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the Python API section has no python block"
    return match.group(1)


@pytest.mark.slow
def test_readme_python_example_runs(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = api_example()
    assert 'data = "../shared/data"' in code
    assert '"sqlite:///watch.db"' in code
    code = code.replace('data = "../shared/data"', f"data = {str(data_dir)!r}")
    code = code.replace('"sqlite:///watch.db"', repr(f"sqlite:///{tmp_path / 'watch.db'}"))
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    out = capsys.readouterr().out.strip().splitlines()
    assert "'method':" in out[0]
    assert out[-1].split()[1] == "vehicle"
