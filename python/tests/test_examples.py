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


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.py")
                                         if p.name != "tuning.py"))
def test_example_runs(name, tmp_path):
    result = run_example(name, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_the_specifications_configuration_and_tuning_as_written(tmp_path):
    result = run_example("configuration.py", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "encrypted: True - compression level 6 - files of 100 MiB" in result.stdout
    again = run_example("configuration.py", tmp_path)  # settings kept and checked
    assert again.returncode == 0, again.stderr
    tuned = run_example("tuning.py", tmp_path)
    assert tuned.returncode == 0, tuned.stderr
    assert "optimized for security - compression level 9 - blocks of 16 KiB" in tuned.stdout
    assert run_example("tuning.py", tmp_path).returncode == 0
    # optimize_for("space") set level 9: the creation's 6 is refused, saying why.
    refused = run_example("configuration.py", tmp_path)
    assert refused.returncode != 0
    assert "compression_level is 9, as optimize_for left it" in refused.stderr


def test_mypy_accepts_the_package_and_examples():
    mypy = pytest.importorskip("mypy.api")
    package_dir = str(Path(spirapi.__file__).resolve().parent)
    out, err, status = mypy.run(["--no-incremental", "--cache-dir", os.devnull,
                                 package_dir, str(EXAMPLES)])
    assert status == 0, out + err
