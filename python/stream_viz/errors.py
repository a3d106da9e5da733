"""The exceptions StreamViz raises. Catch :class:`StreamVizError` to catch them all."""

__all__ = ["StreamVizError", "ValidationError", "StreamVizTypeError", "ServerError", "PersistenceError"]


class StreamVizError(Exception):
    """Base class of every StreamViz error."""


class ValidationError(StreamVizError, ValueError):
    """An id, an option or a value was refused; nothing was changed."""


class StreamVizTypeError(StreamVizError, TypeError):
    """A value of the wrong type was given; nothing was changed."""


class ServerError(StreamVizError, RuntimeError):
    """The web server could not be started or is in the wrong state."""


class PersistenceError(StreamVizError, OSError):
    """The database could not be opened, is not a StreamViz database, or a write failed."""
