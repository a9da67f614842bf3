"""Bundled themes; installed as the `sitegen.themes` package so a wheel carries them."""
