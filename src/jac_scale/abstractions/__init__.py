"""Contracts that targets, providers, registries and loggers implement."""
