"""Fill the wheelhouse cache ahead of time: `python -m jac_scale.builder.prefetch APP_FOLDER`.

For CI (download before the tests start) and for air-gapped hosts (prefetch on a connected
machine with the same base image, then copy ~/.cache/jac-scale over).
"""

import argparse
import sys
from pathlib import Path

from jac_scale.builder.build_config import BuildConfig
from jac_scale.builder.dependencies import image_requirements
from jac_scale.builder.docker_client import docker_client
from jac_scale.builder.probe import probe_python
from jac_scale.builder.wheelhouse import default_cache_dir, prepare_wheelhouse, wheel_files
from jac_scale.errors import JacScaleError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app_folder", help="folder of the app (its jac.toml is read)")
    parser.add_argument("--base-image", help="default: [plugins.scale.build] base_image")
    args = parser.parse_args(argv)
    try:
        from jac_scale.config_loader import get_scale_config

        folder = Path(args.app_folder).resolve()
        config = get_scale_config(folder).get_build_config(base_image=args.base_image)
        assert isinstance(config, BuildConfig)
        client = docker_client()
        image_id = str(client.images.get(config.base_image).id)
        cache_dir = default_cache_dir(config.cache_dir)
        python = probe_python(client, config.base_image, image_id, cache_dir)
        wheelhouse = prepare_wheelhouse(python, image_requirements(config, folder), cache_dir)
    except JacScaleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # docker's own errors (image not found, ...)
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"{wheelhouse} ({len(wheel_files(wheelhouse))} wheels, Python {python.version})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
