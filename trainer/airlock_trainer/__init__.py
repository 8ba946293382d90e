"""Airlock trainer: fine-tunes text classifiers offline and reports through JSON-lines events on stdout."""

__version__ = "0.1.0"
