"""Live logs of several replicas at once, interleaved line by line."""

import queue
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from jac_scale.utilities.redaction import redact_text

if TYPE_CHECKING:
    from docker.models.containers import Container

#: Lines waiting to be printed; a reader that falls behind slows the streams down.
BUFFER_LINES = 10_000


def follow(replicas: list["Container"], tail: int) -> Iterator[str]:
    """Each replica's last `tail` lines, then new ones, until every replica has stopped."""
    lines: queue.Queue[str | None] = queue.Queue(maxsize=BUFFER_LINES)

    def pump(container: "Container") -> None:
        try:
            buffer = b""
            for chunk in container.logs(stream=True, follow=True, tail=tail):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    lines.put(f"{container.name}: {redact_text(line.decode(errors='replace'))}")
        except Exception:  # a container removed meanwhile just ends its stream
            pass
        finally:
            lines.put(None)

    for replica in replicas:
        threading.Thread(target=pump, args=(replica,), daemon=True).start()
    open_streams = len(replicas)
    while open_streams:
        line = lines.get()
        if line is None:
            open_streams -= 1
        else:
            yield line
