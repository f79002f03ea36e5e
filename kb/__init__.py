"""kb: an open knowledge base of dated events in the AI industry.

The library knows nothing of HTTP; ``api/`` and ``kb.cli`` are thin layers over it.
"""

__version__ = "0.1.0"
