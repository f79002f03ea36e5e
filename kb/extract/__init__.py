"""Events in one article: entities, triggers and dates found sentence by sentence, grouped
into events, dated, with roles, people, evidence and a confidence.

One module per step: ``sentences`` (razdel split, tokens, dates), ``matcher`` (known
entities by alias, in any grammatical case), ``model_names`` (Latin-script model names with
versions and sizes), ``people`` (natasha's NER for people and organizations not yet known),
``mentions`` (triggers with participants, negation and hedges), ``clusters`` (mentions into
events, and their dates) and ``pipeline`` (roles, evidence, confidence).
"""

from kb.extract.pipeline import ExtractedEvent, extract_events

__all__ = ["ExtractedEvent", "extract_events"]
