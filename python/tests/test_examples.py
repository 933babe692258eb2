"""The examples under examples/python (the specification's snippets as
written among them) run, and the package and examples pass mypy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import spirapi

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"


def run_example(name, cwd):
    env = dict(os.environ, SPIRAPI_PASSPHRASE="an example passphrase")
    package_root = str(Path(spirapi.__file__).resolve().parents[1])
    env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_runs(name, tmp_path):
    result = run_example(name, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_configuration_example_as_the_specification_writes_it(tmp_path):
    result = run_example("configuration.py", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "optimized for security - encrypted: True - compression level 6" in result.stdout
    # Run again: the stored settings are kept and checked.
    again = run_example("configuration.py", tmp_path)
    assert again.returncode == 0, again.stderr


def test_mypy_accepts_the_package_and_examples():
    mypy = pytest.importorskip("mypy.api")
    package_dir = str(Path(spirapi.__file__).resolve().parent)
    out, err, status = mypy.run(["--no-incremental", "--cache-dir", os.devnull,
                                 package_dir, str(EXAMPLES)])
    assert status == 0, out + err
