"""`sync --job <job.json>`: send runs recorded offline to an MLflow tracking server, exactly once.

The Node sync service owns the outbox (in Airlock's SQLite) and writes one job file per pass: the
items still to send, each with what is already confirmed. This module does the MLflow calls with
MLflow's own client and reports every confirmed step as an event, so that the outbox can record
it at once and a pass killed at any moment resumes where it stopped:

  sync_remote   the MLflow run exists (found by its airlock.run_id tag, or created) -> its id
  sync_params   params and tags are logged
  sync_metrics  metric points up to sequence number `upto` are confirmed
  sync_artifacts  config, confusion matrix and model folder are uploaded
  sync_done     summary metrics logged and the run's status set, last
  sync_item_failed  this item was refused (the pass goes on with the next one); its MLflow run, if
                    one was made, is ended as FAILED with the reason in the tag airlock.sync_error

The server, credentials, CA bundle and HTTP retry policy come from MLflow's own environment
variables (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN, ...), set by the caller.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any, Callable, Iterator

from .errors import AirlockError
from .events import EventWriter
from .mlflow_rules import MAX_METRICS_PER_BATCH, MAX_PARAM_VALUE_LENGTH, MAX_PARAMS_TAGS_PER_BATCH, MAX_REQUEST_BYTES, MAX_TAG_VALUE_LENGTH

log = logging.getLogger("airlock_trainer.sync")

SYNC_ERROR_TAG = "airlock.sync_error"
# Leaves room for the request's own JSON around the metrics.
_BATCH_BYTES_BUDGET = MAX_REQUEST_BYTES - 50_000
PASS_LEVEL_CODES = ("MLFLOW_AUTH_FAILED", "MLFLOW_UNREACHABLE", "MLFLOW_SERVER_ERROR")


class ReaderGone(Exception):
    """The process that records our progress has gone: stop before sending anything it cannot record."""


def redact(text: str) -> str:
    """Removes credentials from a message: user:password@ in URLs and the secrets in the environment."""
    text = re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text)
    for name in ("MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        secret = os.environ.get(name)
        if secret:
            text = text.replace(secret, "***")
    return text


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _http_status(error: BaseException) -> int | None:
    getter = getattr(error, "get_http_status_code", None)
    if getter is None:
        return None
    try:
        return int(getter())
    except Exception:  # noqa: BLE001 - an unknown error code has no status
        return None


def mlflow_error(error: BaseException) -> AirlockError:
    """Maps what MLflow's client raised onto a stable Airlock code with plain words."""
    import requests

    server = redact(os.environ.get("MLFLOW_TRACKING_URI", "the MLflow server"))
    detail = redact(str(error))[:1500]
    status = _http_status(error)
    message = str(error)
    if status in (401, 403) or "error code 401" in message or "error code 403" in message:
        denied = status == 403 or "error code 403" in message
        return AirlockError(
            "MLFLOW_AUTH_FAILED",
            f"{server} refused " + ("access for these credentials (HTTP 403)." if denied else "the credentials (HTTP 401)."),
            hint="Check MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN), "
                 "or the credentials in the app's sync settings. Nothing was marked synced.",
            details=[detail])
    for cause in _chain(error):
        if isinstance(cause, requests.exceptions.SSLError):
            return AirlockError("MLFLOW_UNREACHABLE", f"The TLS connection to {server} failed.",
                                hint="Set the CA bundle of your organisation in the sync settings.", details=[detail])
        if isinstance(cause, requests.exceptions.RetryError):
            return AirlockError("MLFLOW_SERVER_ERROR", f"{server} kept answering with errors (429 or 5xx) after every retry.",
                                hint="The server may be overloaded or down for maintenance; sync again later.", details=[detail])
        if isinstance(cause, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            return AirlockError("MLFLOW_UNREACHABLE", f"Could not reach {server}.",
                                hint="Check the network and the tracking URI; Airlock syncs again when it answers.",
                                details=[detail])
    if "Max retries exceeded" in message or "failed with timeout" in message:
        return AirlockError("MLFLOW_UNREACHABLE", f"Could not reach {server}.",
                            hint="Check the network and the tracking URI; Airlock syncs again when it answers.", details=[detail])
    if status is not None and (status >= 500 or status == 429):
        return AirlockError("MLFLOW_SERVER_ERROR", f"{server} failed with HTTP {status}.",
                            hint="Sync again later; nothing confirmed so far is lost.", details=[detail])
    return AirlockError("MLFLOW_REJECTED", f"{server} refused part of this item: {detail[:300]}",
                        hint="See the details; the other items were still synced.", details=[detail])


def cut_values(values: dict[str, str], limit: int) -> tuple[dict[str, str], list[str]]:
    """Values cut to one of MLflow's length limits; returns them with the keys that were cut."""
    cut = sorted(key for key, value in values.items() if len(value) > limit)
    return {key: value[:limit] for key, value in values.items()}, cut


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def read_points(path: str | None) -> Iterator[tuple[int, str, float, int, int]]:
    """(seq, key, value, timestamp_ms, step) for each line of a metrics JSONL file written by the Node side."""
    if not path:
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                seq, key, value, timestamp, step = json.loads(line)
                yield int(seq), key, float(value), int(timestamp), int(step)


def metric_batches(points: Iterator[tuple[int, str, float, int, int]]) -> Iterator[list[tuple[int, str, float, int, int]]]:
    """Groups points into batches within MLflow's count and size limits, in order."""
    batch: list = []
    size = 0
    for point in points:
        point_size = len(point[1]) + 80  # key plus the JSON of value, timestamp and step
        if batch and (len(batch) >= MAX_METRICS_PER_BATCH or size + point_size > _BATCH_BYTES_BUDGET):
            yield batch
            batch, size = [], 0
        batch.append(point)
        size += point_size
    if batch:
        yield batch


def item_emitter(writer: EventWriter, item: dict[str, Any]) -> Callable[..., None]:
    """Emits events about one item; raises ReaderGone once nobody records them, so nothing more is sent."""

    def emit(event_type: str, **payload: Any) -> None:
        writer.emit(event_type, item=item["item"], **payload)
        if writer.reader_gone:
            raise ReaderGone()

    return emit


class RunSync:
    """Sends one run through its stages, each confirmed by an event before the next starts."""

    def __init__(self, client, writer: EventWriter, item: dict[str, Any]):
        self.client = client
        self.writer = writer
        self.item = item
        self.run_id: str | None = None
        self.emit = item_emitter(writer, item)
        # The MLflow run carries the reason a past pass failed: removed once the run is complete.
        self.stale_sync_error = False

    def sync(self) -> None:
        created = self.find_or_create()
        if not self.item["params_done"]:
            self.log_params_and_tags()
        self.log_metrics(reconcile=not created)
        if not self.item["artifacts_done"]:
            self.log_artifacts()
        self.finish()

    def experiment_id(self) -> str:
        from mlflow.exceptions import MlflowException

        name = self.item["experiment_name"]
        experiment = self.client.get_experiment_by_name(name)
        if experiment is None:
            try:
                return self.client.create_experiment(name)
            except MlflowException as error:  # created meanwhile by someone else
                if getattr(error, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                    raise
                experiment = self.client.get_experiment_by_name(name)
        if experiment.lifecycle_stage != "active":
            raise AirlockError("MLFLOW_REJECTED", f'The MLflow experiment "{name}" is deleted.',
                               hint="Restore it in MLflow, or change the experiment naming rule in the sync settings.")
        return experiment.experiment_id

    def find_or_create(self) -> bool:
        """The MLflow run of this Airlock run: the recorded one, else one tagged with its id, else a new one."""
        from mlflow.exceptions import MlflowException

        airlock_id = self.item["airlock_run_id"]
        known = self.item.get("remote_run_id")
        if known:
            try:
                run = self.client.get_run(known)
                if run.info.lifecycle_stage == "active":
                    self.run_id = known
                    self.stale_sync_error = SYNC_ERROR_TAG in run.data.tags
                    self.emit("sync_remote", remote_id=known, experiment_id=run.info.experiment_id, created=False)
                    return False
            except MlflowException as error:
                if getattr(error, "error_code", "") != "RESOURCE_DOES_NOT_EXIST":
                    raise
        experiment_id = self.experiment_id()
        found = self.client.search_runs([experiment_id], filter_string=f"tags.`airlock.run_id` = '{airlock_id}'", max_results=2)
        if found:
            self.run_id = found[0].info.run_id
            self.stale_sync_error = SYNC_ERROR_TAG in found[0].data.tags
            self.emit("sync_remote", remote_id=self.run_id, experiment_id=experiment_id, created=False)
            return False
        run = self.client.create_run(experiment_id, start_time=self.item["start_time_ms"], run_name=self.item["run_name"],
                                     tags={"airlock.run_id": airlock_id})
        self.run_id = run.info.run_id
        self.emit("sync_remote", remote_id=self.run_id, experiment_id=experiment_id, created=True)
        return True

    def log_params_and_tags(self) -> None:
        from mlflow.entities import Param, RunTag

        params, truncated = cut_values(self.item["params"], MAX_PARAM_VALUE_LENGTH)
        tags = dict(self.item["tags"])
        if truncated:
            tags["airlock.truncated_params"] = ",".join(truncated)
        tags, truncated_tags = cut_values(tags, MAX_TAG_VALUE_LENGTH)
        if truncated_tags:
            tags["airlock.truncated_tags"] = ",".join(truncated_tags)[:MAX_TAG_VALUE_LENGTH]
        for chunk in _chunks([Param(key, value) for key, value in sorted(params.items())], MAX_PARAMS_TAGS_PER_BATCH):
            self.client.log_batch(self.run_id, params=chunk, synchronous=True)
        tag_list = [RunTag(key, value) for key, value in sorted(tags.items())]
        for chunk in _chunks(tag_list, MAX_PARAMS_TAGS_PER_BATCH):
            self.client.log_batch(self.run_id, tags=chunk, synchronous=True)
        self.emit("sync_params", params=len(params), tags=len(tag_list), truncated=truncated)

    def remote_history(self, keys: set[str]) -> set[tuple[str, int, int, float]]:
        """Points MLflow already holds for these keys, to skip after a pass that died before recording them."""
        present: set[tuple[str, int, int, float]] = set()
        for key in sorted(keys):
            for metric in self.client.get_metric_history(self.run_id, key):
                present.add((metric.key, int(metric.step), int(metric.timestamp), float(metric.value)))
        return present

    def log_metrics(self, reconcile: bool) -> None:
        from mlflow.entities import Metric

        path = self.item.get("metrics_file")
        present: set = set()
        if reconcile and path:
            keys = {point[1] for point in read_points(path)}
            present = self.remote_history(keys) if keys else set()
        sent = 0
        for batch in metric_batches(read_points(path)):
            upto = batch[-1][0]
            fresh = [Metric(key, value, timestamp, step) for _, key, value, timestamp, step in batch
                     if (key, step, timestamp, value) not in present]
            if fresh:
                self.client.log_batch(self.run_id, metrics=fresh, synchronous=True)
            sent += len(fresh)
            self.emit("sync_metrics", upto=upto, count=len(batch), sent=len(fresh))
        log.info("run %s: %d metric points sent", self.item["airlock_run_id"], sent)

    def log_artifacts(self) -> None:
        for artifact in self.item["artifacts"]:
            path = artifact["path"]
            if not os.path.exists(path):
                raise AirlockError("FILE_NOT_FOUND", f"The artifact {path} is missing.",
                                   hint="It was moved or deleted after the run; the run can sync without it only if it is restored.")
            if os.path.isdir(path):
                self.client.log_artifacts(self.run_id, path, artifact.get("artifact_path"))
            else:
                self.client.log_artifact(self.run_id, path, artifact.get("artifact_path"))
        self.emit("sync_artifacts", count=len(self.item["artifacts"]))

    def finish(self) -> None:
        """Summary-only metrics (test scores) and the run's status, last: a finished run in MLflow is a complete one."""
        from mlflow.entities import Metric

        summary = [tuple(point) for point in self.item.get("summary_metrics", [])]
        if summary:
            present = self.remote_history({point[0] for point in summary})
            fresh = [Metric(key, float(value), int(timestamp), int(step)) for key, value, timestamp, step in summary
                     if (key, int(step), int(timestamp), float(value)) not in present]
            if fresh:
                self.client.log_batch(self.run_id, metrics=fresh, synchronous=True)
        if self.stale_sync_error:
            self.client.delete_tag(self.run_id, SYNC_ERROR_TAG)
        self.client.set_terminated(self.run_id, status=self.item["status"], end_time=self.item.get("end_time_ms"))
        self.emit("sync_done", remote_id=self.run_id)

    def end_failed(self, error: AirlockError) -> None:
        """After a failure for good: the MLflow run is ended as FAILED with the reason as a tag, never left RUNNING.

        Best effort: when MLflow refuses this too, the item's own error still reaches the user.
        """
        if not self.run_id:
            return
        reason = f"{error.code}: {error.message}"[:MAX_TAG_VALUE_LENGTH]
        try:
            self.client.set_tag(self.run_id, SYNC_ERROR_TAG, reason, synchronous=True)
            self.client.set_terminated(self.run_id, status="FAILED")
        except Exception as failure:  # noqa: BLE001 - reported in the item's details instead
            log.warning("run %s: could not end its MLflow run as FAILED: %s", self.item["airlock_run_id"], redact(str(failure)))
            error.details.append(f"The MLflow run {self.run_id} could not be ended as FAILED: {redact(str(failure))[:300]}")
            return
        error.details.append(f"The MLflow run {self.run_id} was ended as FAILED, with the reason in its tag {SYNC_ERROR_TAG}.")


def run_sync(job_path: str, writer: EventWriter) -> dict[str, int]:
    """Syncs every item of a job; raises on failures that concern the whole pass (auth, unreachable, 5xx)."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    if not os.environ.get("MLFLOW_TRACKING_URI"):
        raise AirlockError("SYNC_NOT_CONFIGURED", "No MLflow tracking URI is set.", hint="Set MLFLOW_TRACKING_URI.")
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    from .sync_models import ModelVersionSync

    client = MlflowClient()
    done = failed = 0
    remote_runs: dict[str, str] = {}  # Airlock run id -> MLflow run id, for the model versions that follow
    for item in job["items"]:
        runner: RunSync | None = None
        try:
            if item["kind"] == "run":
                runner = RunSync(client, writer, item)
                try:
                    runner.sync()
                finally:
                    if runner.run_id:
                        remote_runs[item["airlock_run_id"]] = runner.run_id
            elif item["kind"] == "model_version":
                ModelVersionSync(client, item_emitter(writer, item), item, remote_runs).sync()
            else:
                raise AirlockError("INVALID_INPUT", f"Unknown sync item kind {item['kind']!r}.")
            done += 1
        except ReaderGone:
            raise
        except Exception as error:  # noqa: BLE001 - sorted below into pass-level and item-level failures
            airlock_error = error if isinstance(error, AirlockError) else mlflow_error(error) if _is_remote(error, MlflowException) else None
            if airlock_error is None:
                raise
            if airlock_error.code in PASS_LEVEL_CODES:
                raise airlock_error from None
            failed += 1
            if runner is not None:
                runner.end_failed(airlock_error)
            writer.emit("sync_item_failed", item=item["item"], **airlock_error.payload())
            if writer.reader_gone:
                raise ReaderGone() from None
    return {"done": done, "failed": failed}


def _is_remote(error: BaseException, mlflow_exception: type) -> bool:
    import requests

    return isinstance(error, (mlflow_exception, requests.exceptions.RequestException))
