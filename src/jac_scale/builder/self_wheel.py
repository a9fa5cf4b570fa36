"""Packs the installed jac-scale (editable or not) into a wheel for the image, offline.

The image must run the same jac-scale as the host so its runtime plugin is present; a wheel
made from the installed files needs neither network nor build backend, and is reproducible.
"""

import base64
import hashlib
import zipfile
from importlib import metadata
from pathlib import Path

import jac_scale
from jac_scale.errors import MissingDependencyError

_EPOCH = (1980, 1, 1, 0, 0, 0)
_WHEEL = "Wheel-Version: 1.0\nGenerator: jac-scale\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _package_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def build_self_wheel(cache_dir: Path) -> Path:
    """Return the path of a wheel of the running jac-scale; built once per content."""
    try:
        dist = metadata.distribution("jac-scale")
    except metadata.PackageNotFoundError:
        raise MissingDependencyError(
            "jac-scale is imported but not installed as a distribution, so it cannot be put "
            "into the image",
            hint="pip install -e . (or pip install jac-scale) and retry",
        ) from None
    version = dist.version
    package_root = Path(jac_scale.__file__).resolve().parent
    entries: list[tuple[str, bytes]] = [
        (f"jac_scale/{p.relative_to(package_root).as_posix()}", p.read_bytes())
        for p in _package_files(package_root)
    ]
    info = f"jac_scale-{version}.dist-info"
    for name in ("METADATA", "entry_points.txt"):
        text = dist.read_text(name)
        if text is not None:
            entries.append((f"{info}/{name}", text.encode()))
    entries.append((f"{info}/WHEEL", _WHEEL.encode()))

    content = hashlib.sha256()
    for name, data in entries:
        content.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    target = cache_dir / "self" / content.hexdigest()[:16] / f"jac_scale-{version}-py3-none-any.whl"
    if target.is_file():
        return target

    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{info}/RECORD,,\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in [*entries, (f"{info}/RECORD", record.encode())]:
            item = zipfile.ZipInfo(name, date_time=_EPOCH)
            item.external_attr = 0o644 << 16
            item.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(item, data)
    partial.replace(target)
    return target
