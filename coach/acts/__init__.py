"""Dialogue acts: what each sentence of a call does, learned from labelled sentence banks."""
