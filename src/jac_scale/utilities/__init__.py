"""Loggers, redaction and other helpers shared by targets."""
