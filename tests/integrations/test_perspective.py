"""Perspective-compatible endpoints driven by Google's API client (via discovery) and the perspectiveapi package."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from googleapiclient import discovery
from googleapiclient.errors import HttpError
from perspective import Attribute
from perspective.blocking import Perspective
from sqlalchemy import func, select

from service.moderation.types import CATEGORIES
from service.store.tables import CommentRow, Label


def google_client(live_server: str, key: str) -> Any:
    """Exactly the call Perspective's documentation shows, with only the URL changed."""
    return discovery.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=f"{live_server}/$discovery/rest?version=v1alpha1",
        static_discovery=False,
    )


def test_google_client_analyze_through_discovery(
    live_server: str, site: dict[str, str], service: Any
) -> None:
    client = google_client(live_server, site["ingest"])
    request = {
        "comment": {"text": "What a lovely day. Only an idiot would disagree!"},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}, "PROFANITY": {}, "SPAM": {}},
        "spanAnnotations": True,
        "languages": ["en"],
        "doNotStore": True,
        "clientToken": "tok-1",
    }
    response = client.comments().analyze(body=request).execute()
    scores = response["attributeScores"]
    assert set(scores) == {"TOXICITY", "INSULT", "PROFANITY", "SPAM"}
    assert scores["INSULT"]["summaryScore"]["value"] == pytest.approx(0.97)
    assert scores["INSULT"]["summaryScore"]["type"] == "PROBABILITY"
    spans = scores["INSULT"]["spanScores"]
    text = request["comment"]["text"]
    assert [text[s["begin"] : s["end"]] for s in spans] == [
        "What a lovely day.",
        "Only an idiot would disagree!",
    ]
    assert spans[0]["score"]["value"] < 0.5 < spans[1]["score"]["value"]
    assert response["languages"] == ["en"]
    assert response["clientToken"] == "tok-1"
    with service.db.read() as session:  # analyze never stores
        assert session.scalar(select(func.count()).select_from(CommentRow)) == 0


def test_google_client_suggestscore_keeps_a_label(
    live_server: str, site: dict[str, str], service: Any
) -> None:
    client = google_client(live_server, site["ingest"])
    body = {
        "comment": {"text": "you absolute clown"},
        "attributeScores": {
            "INSULT": {"summaryScore": {"value": 0.9}},
            "THREAT": {"summaryScore": {"value": 0.0}},
        },
        "clientToken": "t",
    }
    response = client.comments().suggestscore(body=body).execute()
    assert response["clientToken"] == "t"
    with service.db.read() as session:
        label = session.scalars(select(Label)).one()
    assert (label.text, label.label, label.categories, label.source) == (
        "you absolute clown",
        "reject",
        ["insult"],
        "perspective",
    )


def test_google_client_sees_perspective_errors(live_server: str, site: dict[str, str]) -> None:
    client = google_client(live_server, site["ingest"])
    with pytest.raises(HttpError) as unknown:
        client.comments().analyze(
            body={"comment": {"text": "hi"}, "requestedAttributes": {"FLIRTATION": {}}}
        ).execute()
    assert unknown.value.resp.status == 400
    with pytest.raises(HttpError) as language:
        client.comments().analyze(
            body={"comment": {"text": "hallo"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["de"]}
        ).execute()
    assert language.value.resp.status == 400
    assert "does not support request languages: de" in str(language.value)
    with pytest.raises(HttpError) as bad_key:
        google_client(live_server, "mk_wrong").comments().analyze(
            body={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}
        ).execute()
    assert bad_key.value.resp.status == 400
    assert "API_KEY_INVALID" in bad_key.value.content.decode()


def test_perspectiveapi_package_through_an_httpx_transport(app: Any, site: dict[str, str]) -> None:
    client = Perspective(site["ingest"])
    # The package hard-codes Google's URL; route its own httpx client into our app instead.
    client._Perspective__client = httpx.Client(transport=httpx.WSGITransport(app=app))  # type: ignore[attr-defined]
    score = client.score(
        "Only an idiot would say that", [Attribute.TOXICITY, Attribute.INSULT, Attribute.THREAT]
    )
    assert score.insult == pytest.approx(0.97)
    assert score.toxicity == pytest.approx(0.97)
    assert score.threat == pytest.approx(0.01)
    calm = client.score("Thank you for the article")
    assert calm.toxicity == pytest.approx(0.01)


def post(client: Any, body: Any, key: str | None) -> Any:
    url = "/v1alpha1/comments:analyze" + (f"?key={key}" if key else "")
    return client.post(url, json=body)


def test_threshold_filters_attributes_and_spans(client: Any, site: dict[str, str]) -> None:
    body = {
        "comment": {"text": "Nice. You idiot."},
        "requestedAttributes": {"INSULT": {"scoreThreshold": 0.5}, "THREAT": {"scoreThreshold": 0.5}},
        "spanAnnotations": True,
    }
    response = post(client, body, site["ingest"]).get_json()
    assert list(response["attributeScores"]) == ["INSULT"]
    spans = response["attributeScores"]["INSULT"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(6, 16)]


def test_every_attribute_maps_to_a_category(client: Any, site: dict[str, str]) -> None:
    names = ["TOXICITY", "SEVERE_TOXICITY", "INSULT", "THREAT", "PROFANITY", "IDENTITY_ATTACK", "SPAM"]
    body = {"comment": {"text": "buy now"}, "requestedAttributes": {n: {} for n in names}}
    response = post(client, body, site["ingest"]).get_json()
    assert set(response["attributeScores"]) == set(names)
    assert len(names) == len(CATEGORIES)
    assert response["attributeScores"]["SPAM"]["summaryScore"]["value"] == pytest.approx(0.95)
    whole = response["attributeScores"]["SPAM"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in whole] == [(0, 7)]
    experimental = post(
        client,
        {"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY_EXPERIMENTAL": {}}},
        site["ingest"],
    )
    assert "TOXICITY_EXPERIMENTAL" in experimental.get_json()["attributeScores"]


@pytest.mark.parametrize(
    ("body", "key", "code", "status"),
    [
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}},
            None,
            403,
            "PERMISSION_DENIED",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}},
            "mk_bad",
            400,
            "INVALID_ARGUMENT",
        ),
        ({"comment": {"text": "hi"}, "requestedAttributes": {"NOPE": {}}}, "ok", 400, "INVALID_ARGUMENT"),
        ({"comment": {"text": "hi"}, "requestedAttributes": {}}, "ok", 400, "INVALID_ARGUMENT"),
        ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, "ok", 400, "INVALID_ARGUMENT"),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["fr"]},
            "ok",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}},
            "ok",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}},
            "ok",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            {"comment": {"text": "x" * 20_481}, "requestedAttributes": {"TOXICITY": {}}},
            "ok",
            400,
            "INVALID_ARGUMENT",
        ),
    ],
)
def test_errors_in_googles_shape(
    client: Any, site: dict[str, str], body: Any, key: str | None, code: int, status: str
) -> None:
    response = post(client, body, site["ingest"] if key == "ok" else key)
    assert response.status_code == code
    body = response.get_json()
    error = body["error"]
    assert (error["code"], error["status"]) == (code, status)
    assert error["message"]
    # the API-wide problem+json members sit beside Google's error object
    assert response.mimetype == "application/problem+json"
    assert (body["status"], body["detail"]) == (code, error["message"])


def test_not_json_is_a_google_error(client: Any, site: dict[str, str]) -> None:
    response = client.post(
        f"/v1alpha1/comments:analyze?key={site['ingest']}", data="{", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == "INVALID_ARGUMENT"


def test_discovery_document_roots_at_this_server(client: Any, app: Any) -> None:
    document = client.get("/$discovery/rest?version=v1alpha1").get_json()
    assert document["rootUrl"] == "http://localhost/"
    assert document["resources"]["comments"]["methods"]["analyze"]["path"] == "v1alpha1/comments:analyze"
    app.config["PUBLIC_URL"] = "https://moderation.example/"
    assert (
        client.get("/$discovery/rest?version=v1alpha1").get_json()["rootUrl"] == "https://moderation.example/"
    )
    assert client.get("/$discovery/rest?version=v2").status_code == 404


def test_model_outage_is_unavailable_not_zero(client: Any, site: dict[str, str], service: Any) -> None:
    service.scorer = None
    response = post(
        client, {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}}, site["ingest"]
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["status"] == "UNAVAILABLE"
