"""Builds spirapi._spirapi with CMake (the project's own build) for pip.

The extension links the static library and the Debian libraries it needs
(liblzma, libzstd, OpenSSL, GMP, RE2, ...; scripts/install-deps.sh installs
them). Environment: SPIRAPI_CMAKE_BUILD_TYPE (default Release), SPIRAPI_JOBS
(default 2); ccache is used when installed. SPIRAPI_CMAKE_BUILD_DIR names an
existing build directory configured with -DSPIRAPI_BUILD_PYTHON=ON (such as
the Makefile's build/) to build the extension there instead of configuring
a new one.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    text = (ROOT / "include" / "spirapi" / "version.h").read_text()
    parts = [re.search(rf"#define SPIRAPI_VERSION_{p} (\d+)", text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        env = dict(os.environ, CCACHE_BASEDIR=str(ROOT), CCACHE_NOHASHDIR="1")
        existing = os.environ.get("SPIRAPI_CMAKE_BUILD_DIR")
        if existing:
            build_dir = Path(existing).resolve()
        else:
            build_dir = Path(self.build_temp).resolve() / "cmake"
            build_type = os.environ.get("SPIRAPI_CMAKE_BUILD_TYPE", "Release")
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir),
                            f"-DCMAKE_BUILD_TYPE={build_type}", "-DSPIRAPI_BUILD_PYTHON=ON",
                            "-DBUILD_SHARED_LIBS=OFF", f"-DPython3_EXECUTABLE={sys.executable}"],
                           check=True, env=env)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "spirapi_python",
                        f"-j{os.environ.get('SPIRAPI_JOBS', '2')}"], check=True, env=env)
        built = list((build_dir / "python" / "spirapi").glob("_spirapi*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one _spirapi*.so in {build_dir}, found {built}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(
    version=version(),
    package_dir={"": "python"},
    packages=["spirapi"],
    package_data={"spirapi": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("spirapi._spirapi", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": "build-python"}},
    zip_safe=False,
)
