"""Pure parts of the sync command: limits, batching, redaction and error mapping (the MLflow round trips are in tests/sync)."""

import requests
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE, PERMISSION_DENIED, UNAUTHENTICATED

from airlock_trainer import sync


def test_values_over_mlflow_limit_are_cut_and_named():
    params, truncated = sync.cut_values({"short": "a", "long": "x" * 7000}, sync.MAX_PARAM_VALUE_LENGTH)
    assert params == {"short": "a", "long": "x" * 6000}
    assert truncated == ["long"]
    tags, cut = sync.cut_values({"b": "y" * 8001, "a": "z" * 8000}, sync.MAX_TAG_VALUE_LENGTH)
    assert tags == {"b": "y" * 8000, "a": "z" * 8000}
    assert cut == ["b"]


def test_metric_batches_respect_count_and_keep_order():
    points = [(index + 1, "train/loss", 0.5, 1000 + index, index) for index in range(2500)]
    batches = list(sync.metric_batches(iter(points)))
    assert [len(batch) for batch in batches] == [1000, 1000, 500]
    assert [point for batch in batches for point in batch] == points


def test_metric_batches_respect_request_size():
    long_key = "k" * 2000  # ~2 KB per point: the 1 MB request limit binds before the 1000-point one
    batches = list(sync.metric_batches((index, long_key, 1.0, 1, index) for index in range(1000)))
    assert len(batches) > 2
    assert all(sum(len(point[1]) + 80 for point in batch) <= sync.MAX_REQUEST_BYTES for batch in batches)


def test_redact_hides_url_credentials_and_secrets(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "hunter2-secret")
    text = sync.redact("GET https://bob:hunter2-secret@mlflow.example.org/api failed: hunter2-secret")
    assert "hunter2-secret" not in text
    assert "bob" not in text
    assert "https://***@mlflow.example.org/api" in text


def test_auth_failures_map_to_auth_failed(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    assert sync.mlflow_error(MlflowException("no", error_code=UNAUTHENTICATED)).code == "MLFLOW_AUTH_FAILED"
    denied = sync.mlflow_error(MlflowException("no", error_code=PERMISSION_DENIED))
    assert denied.code == "MLFLOW_AUTH_FAILED" and "403" in denied.message


def test_transport_failures_map_to_unreachable_or_server_error(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")

    def raised(cause):
        try:
            try:
                raise cause
            except Exception as error:
                raise MlflowException(f"API request failed with exception {error}") from None
        except MlflowException as wrapped:
            wrapped.__context__ = cause
            return wrapped

    assert sync.mlflow_error(raised(requests.exceptions.ConnectionError("refused"))).code == "MLFLOW_UNREACHABLE"
    assert sync.mlflow_error(raised(requests.exceptions.RetryError("too many 500 error responses"))).code == "MLFLOW_SERVER_ERROR"
    assert sync.mlflow_error(MlflowException("bad param", error_code=INVALID_PARAMETER_VALUE)).code == "MLFLOW_REJECTED"
