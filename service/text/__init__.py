"""The one text normaliser that rules and models share."""

from service.text.normaliser import NORMALISER_VERSION, NormalisedText, normalise

__all__ = ["NORMALISER_VERSION", "NormalisedText", "normalise"]
