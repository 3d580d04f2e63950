"""Perspective API (v1alpha1) compatibility: request parsing, attribute mapping, responses, discovery (no Flask)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Perspective attribute → our category. PROFANITY is our "obscene" head (swearing, obscenities).
ATTRIBUTES: dict[str, str] = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "INSULT": "insult",
    "THREAT": "threat",
    "PROFANITY": "obscene",
    "IDENTITY_ATTACK": "identity_attack",
    "SPAM": "spam",
}
# Perspective also served these names while models were in preview; clients still send them.
EXPERIMENTAL_SUFFIX = "_EXPERIMENTAL"
SUPPORTED_LANGUAGES = ("en",)
SCORE_TYPE = "PROBABILITY"
# Perspective refuses comments over 20 KB of UTF-8.
MAX_TEXT_BYTES = 20_480
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


class PerspectiveError(Exception):
    """An error in Google's JSON shape: {"error": {"code", "message", "status", "details"?}}."""

    def __init__(self, code: int, status: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.details = details or []

    def document(self) -> dict[str, Any]:
        """The response body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid(message: str, details: list[dict[str, Any]] | None = None) -> PerspectiveError:
    """400 INVALID_ARGUMENT, Perspective's answer to a malformed request."""
    return PerspectiveError(400, "INVALID_ARGUMENT", message, details)


def missing_key() -> PerspectiveError:
    """What Google answers when no key is sent."""
    return PerspectiveError(
        403,
        "PERMISSION_DENIED",
        "The request is missing a valid API key.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_MISSING",
                "domain": "googleapis.com",
            }
        ],
    )


def bad_key() -> PerspectiveError:
    """What Google answers for an unknown or revoked key."""
    return invalid(
        "API key not valid. Please pass a valid API key.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ],
    )


@dataclass(frozen=True)
class AttributeRequest:
    """One requested attribute: our category and the optional score threshold."""

    name: str
    category: str
    threshold: float | None = None


@dataclass(frozen=True)
class AnalyzeRequest:
    """A parsed AnalyzeCommentRequest."""

    text: str
    attributes: tuple[AttributeRequest, ...]
    languages: tuple[str, ...]
    span_annotations: bool = False
    do_not_store: bool = False
    client_token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid value at '{name}': expected an object")
    return value


def _text(body: Mapping[str, Any], max_chars: int) -> str:
    comment = _object(body.get("comment"), "comment")
    text = comment.get("text")
    if text is not None and not isinstance(text, str):
        raise invalid("Invalid value at 'comment.text': expected a string")
    if not text or not text.strip():
        raise invalid("Comment text was empty.")
    kind = comment.get("type", "PLAIN_TEXT")
    if kind != "PLAIN_TEXT":
        raise invalid(f"Comment type {kind} is not supported; send PLAIN_TEXT.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES or len(text) > max_chars:
        raise invalid(f"Comment text was too many bytes (limit {MAX_TEXT_BYTES}).")
    return text


def attribute_category(name: str) -> str | None:
    """Our category for a Perspective attribute name (the _EXPERIMENTAL variants included), or None."""
    base = name[: -len(EXPERIMENTAL_SUFFIX)] if name.endswith(EXPERIMENTAL_SUFFIX) else name
    return ATTRIBUTES.get(base)


def _languages(value: Any, attributes: Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid("Invalid value at 'languages': expected a list of language codes")
    languages = tuple(v.strip() for v in value if v.strip())
    unsupported = [lang for lang in languages if lang.lower().split("-")[0] not in SUPPORTED_LANGUAGES]
    if unsupported:
        attribute = attributes[0] if attributes else "TOXICITY"
        raise invalid(
            f"Attribute {attribute} does not support request languages: {', '.join(unsupported)}",
            [
                {
                    "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                    "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                    "languageNotSupportedByAttributeError": {
                        "requestedLanguages": list(languages),
                        "attribute": attribute,
                    },
                }
            ],
        )
    return languages


def parse_analyze(body: Mapping[str, Any], max_chars: int) -> AnalyzeRequest:
    """Validate an AnalyzeCommentRequest the way Perspective does, or raise PerspectiveError."""
    text = _text(body, max_chars)
    requested = _object(body.get("requestedAttributes"), "requestedAttributes")
    if not requested:
        raise invalid("Attribute list must not be empty (requestedAttributes).")
    attributes = []
    for name, params in requested.items():
        category = attribute_category(name)
        if category is None:
            raise invalid(
                f"Unknown attribute: {name}. Supported: {', '.join(ATTRIBUTES)}.",
                [
                    {
                        "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                        "errorType": "INVALID_REQUESTED_ATTRIBUTE",
                    }
                ],
            )
        options = _object(params, f"requestedAttributes.{name}")
        score_type = options.get("scoreType", SCORE_TYPE) or SCORE_TYPE
        if score_type != SCORE_TYPE:
            raise invalid(f"Score type {score_type} is not supported for {name}; use PROBABILITY.")
        threshold = options.get("scoreThreshold")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1
        ):
            raise invalid(f"scoreThreshold for {name} must be a number between 0 and 1.")
        attributes.append(AttributeRequest(name, category, None if threshold is None else float(threshold)))
    token = body.get("clientToken")
    return AnalyzeRequest(
        text=text,
        attributes=tuple(attributes),
        languages=_languages(body.get("languages"), list(requested)),
        span_annotations=bool(body.get("spanAnnotations", False)),
        do_not_store=bool(body.get("doNotStore", False)),
        client_token=token if isinstance(token, str) else None,
    )


def sentences(text: str) -> list[tuple[int, int]]:
    """Half-open [begin, end) ranges of the sentences of `text`, trimmed of surrounding whitespace."""
    spans = []
    for match in SENTENCE.finditer(text):
        begin, end = match.start(), match.end()
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            spans.append((begin, end))
    return spans or [(0, len(text))]


def _score(value: float) -> dict[str, Any]:
    return {"value": round(float(value), 6), "type": SCORE_TYPE}


def analyze_response(
    request: AnalyzeRequest,
    summary: Mapping[str, float],
    spans: Sequence[tuple[tuple[int, int], Mapping[str, float]]],
) -> dict[str, Any]:
    """An AnalyzeCommentResponse: `summary` maps category → score; `spans` are ((begin, end), scores)."""
    scores: dict[str, Any] = {}
    for attribute in request.attributes:
        value = float(summary.get(attribute.category, 0.0))
        if attribute.threshold is not None and value < attribute.threshold:
            continue  # Perspective leaves out attributes scoring under the threshold
        span_scores = [
            {"begin": begin, "end": end, "score": _score(values.get(attribute.category, 0.0))}
            for (begin, end), values in spans
            if attribute.threshold is None or values.get(attribute.category, 0.0) >= attribute.threshold
        ]
        scores[attribute.name] = {"spanScores": span_scores, "summaryScore": _score(value)}
    languages = list(request.languages) or list(SUPPORTED_LANGUAGES)
    response: dict[str, Any] = {
        "attributeScores": scores,
        "languages": languages,
        "detectedLanguages": list(SUPPORTED_LANGUAGES),
    }
    if request.client_token is not None:
        response["clientToken"] = request.client_token
    return response


@dataclass(frozen=True)
class Suggestion:
    """A parsed SuggestCommentScoreRequest: a human's scores for a text, kept as a label."""

    text: str
    scores: dict[str, float]
    languages: tuple[str, ...]
    client_token: str | None

    @property
    def label(self) -> str:
        """ "reject" when any suggested score is at least 0.5, else "approve"."""
        return "reject" if any(v >= 0.5 for v in self.scores.values()) else "approve"

    @property
    def categories(self) -> list[str]:
        """Categories the suggester scored at least 0.5."""
        return sorted(category for category, value in self.scores.items() if value >= 0.5)


def parse_suggest(body: Mapping[str, Any], max_chars: int) -> Suggestion:
    """Validate a SuggestCommentScoreRequest, or raise PerspectiveError."""
    text = _text(body, max_chars)
    given = _object(body.get("attributeScores"), "attributeScores")
    if not given:
        raise invalid("attributeScores must not be empty.")
    scores: dict[str, float] = {}
    for name, entry in given.items():
        category = attribute_category(name)
        if category is None:
            raise invalid(f"Unknown attribute: {name}. Supported: {', '.join(ATTRIBUTES)}.")
        summary = _object(_object(entry, f"attributeScores.{name}").get("summaryScore"), "summaryScore")
        value = summary.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise invalid(f"attributeScores.{name}.summaryScore.value must be a number between 0 and 1.")
        scores[category] = float(value)
    token = body.get("clientToken")
    return Suggestion(
        text=text,
        scores=scores,
        languages=_languages(body.get("languages"), list(given)),
        client_token=token if isinstance(token, str) else None,
    )


def suggest_response(suggestion: Suggestion) -> dict[str, Any]:
    """A SuggestCommentScoreResponse."""
    response: dict[str, Any] = {
        "detectedLanguages": list(SUPPORTED_LANGUAGES),
        "requestedLanguages": list(suggestion.languages),
    }
    if suggestion.client_token is not None:
        response["clientToken"] = suggestion.client_token
    return response


_STANDARD_PARAMETERS: dict[str, Any] = {
    "key": {"type": "string", "location": "query", "description": "API key (one of this service's keys)."},
    "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"]},
    "fields": {"type": "string", "location": "query"},
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
    "quotaUser": {"type": "string", "location": "query"},
    "access_token": {"type": "string", "location": "query"},
    "oauth_token": {"type": "string", "location": "query"},
    "callback": {"type": "string", "location": "query"},
    "upload_protocol": {"type": "string", "location": "query"},
    "uploadType": {"type": "string", "location": "query"},
    "$.xgafv": {"type": "string", "location": "query", "enum": ["1", "2"]},
}


def _schemas() -> dict[str, Any]:
    score = {
        "id": "Score",
        "type": "object",
        "properties": {"value": {"type": "number", "format": "float"}, "type": {"type": "string"}},
    }
    return {
        "TextEntry": {
            "id": "TextEntry",
            "type": "object",
            "properties": {"text": {"type": "string"}, "type": {"type": "string", "enum": ["PLAIN_TEXT"]}},
        },
        "AttributeParameters": {
            "id": "AttributeParameters",
            "type": "object",
            "properties": {
                "scoreType": {"type": "string", "enum": [SCORE_TYPE]},
                "scoreThreshold": {"type": "number", "format": "float"},
            },
        },
        "Score": score,
        "SpanScore": {
            "id": "SpanScore",
            "type": "object",
            "properties": {
                "begin": {"type": "integer", "format": "int32"},
                "end": {"type": "integer", "format": "int32"},
                "score": {"$ref": "Score"},
            },
        },
        "AttributeScores": {
            "id": "AttributeScores",
            "type": "object",
            "properties": {
                "summaryScore": {"$ref": "Score"},
                "spanScores": {"type": "array", "items": {"$ref": "SpanScore"}},
            },
        },
        "AnalyzeCommentRequest": {
            "id": "AnalyzeCommentRequest",
            "type": "object",
            "properties": {
                "comment": {"$ref": "TextEntry"},
                "context": {"type": "object", "additionalProperties": {"type": "any"}},
                "requestedAttributes": {
                    "type": "object",
                    "additionalProperties": {"$ref": "AttributeParameters"},
                },
                "spanAnnotations": {"type": "boolean"},
                "languages": {"type": "array", "items": {"type": "string"}},
                "doNotStore": {"type": "boolean"},
                "clientToken": {"type": "string"},
                "sessionId": {"type": "string"},
                "communityId": {"type": "string"},
            },
        },
        "AnalyzeCommentResponse": {
            "id": "AnalyzeCommentResponse",
            "type": "object",
            "properties": {
                "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
                "languages": {"type": "array", "items": {"type": "string"}},
                "detectedLanguages": {"type": "array", "items": {"type": "string"}},
                "clientToken": {"type": "string"},
            },
        },
        "SuggestCommentScoreRequest": {
            "id": "SuggestCommentScoreRequest",
            "type": "object",
            "properties": {
                "comment": {"$ref": "TextEntry"},
                "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
                "languages": {"type": "array", "items": {"type": "string"}},
                "communityId": {"type": "string"},
                "clientToken": {"type": "string"},
            },
        },
        "SuggestCommentScoreResponse": {
            "id": "SuggestCommentScoreResponse",
            "type": "object",
            "properties": {
                "detectedLanguages": {"type": "array", "items": {"type": "string"}},
                "requestedLanguages": {"type": "array", "items": {"type": "string"}},
                "clientToken": {"type": "string"},
            },
        },
    }


def _method(name: str, request: str, response: str, description: str) -> dict[str, Any]:
    path = f"v1alpha1/comments:{name}"
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "parameters": {},
        "parameterOrder": [],
        "request": {"$ref": request},
        "response": {"$ref": response},
        "description": description,
    }


def discovery_document(root_url: str) -> dict[str, Any]:
    """The Google API discovery document for commentanalyzer v1alpha1, rooted at this server."""
    root = root_url if root_url.endswith("/") else root_url + "/"
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1",
        "name": "commentanalyzer",
        "version": "v1alpha1",
        "revision": "1",
        "title": "Perspective Comment Analyzer API (self-hosted compatible)",
        "description": "Scores comments with this service's own models, in the Perspective API's shapes.",
        "protocol": "rest",
        "rootUrl": root,
        "servicePath": "",
        "baseUrl": root,
        "basePath": "/",
        "batchPath": "batch",
        "ownerDomain": "self-hosted",
        "ownerName": "self-hosted",
        "documentationLink": root + "openapi.json",
        "parameters": _STANDARD_PARAMETERS,
        "schemas": _schemas(),
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method(
                        "analyze",
                        "AnalyzeCommentRequest",
                        "AnalyzeCommentResponse",
                        "Analyzes the provided text and returns scores for requested attributes.",
                    ),
                    "suggestscore": _method(
                        "suggestscore",
                        "SuggestCommentScoreRequest",
                        "SuggestCommentScoreResponse",
                        "Suggest scores for a comment; kept as a label for retraining.",
                    ),
                }
            }
        },
    }
