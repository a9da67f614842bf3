"""sitegen: a static site generator whose posts can also be runbooks."""

__version__ = "0.1.0"
