"""The Docker target: app replicas, databases and nginx as containers on one engine."""
