"""Turns a Jac app into a container image; imports nothing heavy so `--help` stays fast."""
