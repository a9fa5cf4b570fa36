"""The Kubernetes target: renderer, client wrapper, database manifests and the target itself."""
