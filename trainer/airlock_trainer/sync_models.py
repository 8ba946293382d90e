"""Registered model versions for `sync`: found by their Airlock tag before one is created; stage -> alias.

A local version `name@3` becomes an MLflow model version of the registered model `name` whose source
is its run's `model` artifact folder. MLflow numbers versions itself, so the local number is kept in
the tag `airlock.model_version`, which is also how the version is found again. The local stage maps
to the aliases `staging` / `production` (set idempotently; moved, not duplicated) and the tag
`airlock.stage`; `none` and `archived` hold no alias.
"""

from __future__ import annotations

from typing import Any, Callable

STAGE_ALIASES = ("staging", "production")


class ModelVersionSync:
    """Sends one registered model version, after the run it came from."""

    def __init__(self, client, emit: Callable[..., None], item: dict[str, Any], remote_runs: dict[str, str]):
        self.client = client
        self.emit = emit
        self.item = item
        self.remote_runs = remote_runs

    def sync(self) -> None:
        from .errors import AirlockError

        run_id = self.item.get("remote_run_id") or self.remote_runs.get(self.item["airlock_run_id"])
        if not run_id:
            raise AirlockError("MLFLOW_REJECTED", f"The run {self.item['airlock_run_id']} of {self.item['local_ref']} is not in MLflow yet.",
                               hint="Its run failed to sync: see that item's error, then sync again.")
        name = self.item["name"]
        self.ensure_registered_model(name)
        version = self.find_or_create(name, run_id)
        self.emit("sync_remote", remote_id=f"{name}/{version}", experiment_id=None, created=False)
        for key, value in sorted(self.item["tags"].items()):
            self.client.set_model_version_tag(name, version, key, value)
        if self.item.get("description") is not None:
            self.client.update_model_version(name, version, description=self.item["description"])
        self.apply_alias(name, version)
        self.emit("sync_done", remote_id=f"{name}/{version}")

    def ensure_registered_model(self, name: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(name)
        except MlflowException as error:
            if getattr(error, "error_code", "") != "RESOURCE_DOES_NOT_EXIST":
                raise
            try:
                self.client.create_registered_model(name, tags={"airlock.source": "airlock"})
            except MlflowException as race:
                if getattr(race, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                    raise

    def find_or_create(self, name: str, run_id: str) -> str:
        ref = self.item["local_ref"]
        found = [version for version in self.search(name, ref, run_id) if (version.tags or {}).get("airlock.model_version") == ref]
        if found:
            return str(found[0].version)
        source = self.client.get_run(run_id).info.artifact_uri.rstrip("/") + "/model"
        created = self.client.create_model_version(name, source=source, run_id=run_id, description=self.item.get("description"),
                                                   tags={"airlock.model_version": ref}, await_creation_for=60)
        return str(created.version)

    def search(self, name: str, ref: str, run_id: str) -> list:
        """Versions tagged with this local version; servers that cannot filter by tag are asked by run id."""
        from mlflow.exceptions import MlflowException

        try:
            return self.client.search_model_versions(f"name='{_quote(name)}' and tags.`airlock.model_version` = '{_quote(ref)}'")
        except MlflowException as error:
            if getattr(error, "error_code", "") != "INVALID_PARAMETER_VALUE":
                raise
            return self.client.search_model_versions(f"name='{_quote(name)}' and run_id='{_quote(run_id)}'")

    def apply_alias(self, name: str, version: str) -> None:
        wanted = self.item.get("alias")
        if wanted:
            self.client.set_registered_model_alias(name, wanted, version)
        aliases = self.client.get_registered_model(name).aliases or {}
        for alias in STAGE_ALIASES:
            if alias != wanted and str(aliases.get(alias)) == version:
                self.client.delete_registered_model_alias(name, alias)


def _quote(text: str) -> str:
    return text.replace("'", "\\'")
