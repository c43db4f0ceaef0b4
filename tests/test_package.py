"""The installed package: version, typing files, light import."""

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import fastreg


def test_version_single_source():
    assert fastreg.__version__ == metadata.version("fastreg")
    out = subprocess.run(
        [sys.executable, "-m", "fastreg", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert fastreg.__version__ in out


def test_typing_files_shipped():
    pkg = Path(fastreg.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "_fastreg.pyi").exists()


def test_import_is_light():
    code = (
        "import sys, fastreg; "
        "heavy = [m for m in ('matplotlib', 'pandas', 'celer', 'skglm', 'adelie') "
        "if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_public_names_resolve():
    for name in fastreg.__all__:
        assert getattr(fastreg, name) is not None
    assert set(fastreg.__all__) <= set(dir(fastreg))
