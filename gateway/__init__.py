"""Vestibule's HTTPS gateway: authentication, validation and HTTP-to-gRPC mapping, no rules."""

from importlib.metadata import version

__version__ = version("vestibule")
