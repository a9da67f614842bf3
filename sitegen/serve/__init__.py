"""`sitegen serve`: build, watch, rebuild incrementally and live-reload the browser.

The package follows the data: watch.py turns file events into batches, changes.py sorts them
by kind and turns a build report into a reload event, hub.py fans events out to browsers by
Server-Sent Events, server.py serves the output directory (paths.py keeps requests inside it,
inject.py and client.py add the live-reload client), and app.py wires them together.
"""

from __future__ import annotations

from sitegen.serve.app import Preview, serve

__all__ = ["Preview", "serve"]
