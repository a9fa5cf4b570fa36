"""Replicas without MongoDB: the separate-graphs warning, and scaling to zero and back."""

import urllib.error
import urllib.request

import pytest
from dockerkit import call, labelled

from jac_scale import operations

pytestmark = pytest.mark.docker


def test_warns_about_separate_graphs_and_scales_through_zero(app_factory, docker_client):
    app, name, port = app_factory(replicas=2)
    ctx = operations.open_app(app, target="docker")
    result = operations.deploy(ctx)
    assert result["success"], result
    assert "each replica keeps its own graph" in result["details"]["warning"]
    assert sorted(v.name for v in labelled(docker_client, "volumes", name)) == [
        f"{name}-data-0",
        f"{name}-data-1",
    ]

    assert "own graph" in operations.scale(operations.open_app(app, target="docker"), 3)["message"]

    operations.scale(operations.open_app(app, target="docker"), 0)
    status = operations.status(operations.open_app(app, target="docker"))
    assert (status["replicas"], status["ready_replicas"]) == (0, 0)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30)
    assert refused.value.code == 503

    message = operations.scale(operations.open_app(app, target="docker"), 1)["message"]
    assert "own graph" not in message
    assert call(f"http://127.0.0.1:{port}", "greet", {"name": "back"}) == "Hello, back!"
