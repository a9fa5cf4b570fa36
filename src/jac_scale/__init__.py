"""Jac-Scale: deploy Jac applications to local processes, Docker and Kubernetes."""

__version__ = "0.3.0"
