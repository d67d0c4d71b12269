"""README's two commands are the ones .ci/run runs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent.parent


def test_ci_runs_the_readme_commands() -> None:
    readme = ROOT / "README.md"
    blocks = readme.read_text().split("```sh\n")[1:3]
    commands = [b.split("\n```")[0].strip() for b in blocks]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert len(commands) == 2
    for command in commands:
        assert command in ci, f"{command!r} from README.md is not a line of .ci/run"
