"""Paperfeed's recommender engine: numpy, scipy and scikit-learn only.

Texts, ids and matrices in; arrays and dataclasses out. Nothing here imports
Django, so the engine can be tested, benchmarked and evaluated on its own.
"""
