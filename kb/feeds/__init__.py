"""Keeping the knowledge base current from the web: article pages and RSS/Atom feeds.

One module per job: ``fetching`` (HTTP as a well-behaved client), ``politeness`` (a pause per
host, robots.txt), ``reading`` (feeds, with feedparser), ``pages`` (a page downloaded, read as
``kb seed`` reads a saved one, and stored: ``kb fetch``), ``followed`` (the feeds table) and
``polling`` (``kb watch``, and ``kb serve --watch`` in a background thread).
"""
