"""kb: an open knowledge base of dated events in the AI industry.

The library knows nothing of the API server (it is an HTTP client only where it downloads
pages and feeds, in ``kb.feeds``); ``api/`` and ``kb.cli`` are thin layers over it.
"""

__version__ = "0.1.0"
