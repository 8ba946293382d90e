/** Schema migrations, applied in order; the database's PRAGMA user_version is the count applied. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    experiment TEXT NOT NULL,
    dataset_id TEXT REFERENCES datasets(id) ON DELETE RESTRICT,
    model_id TEXT NOT NULL,
    config TEXT NOT NULL,
    run_dir TEXT NOT NULL,
    model_dir TEXT,
    device TEXT,
    precision TEXT,
    metrics TEXT NOT NULL DEFAULT '{}',
    details TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    stderr_tail TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    duration_s REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    pid INTEGER
  );
  CREATE INDEX runs_by_created ON runs(created_at);
  CREATE TABLE metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    ts TEXT NOT NULL
  );
  CREATE INDEX metrics_by_run ON metrics(run_id, key, step);
  CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, attempt, seq)
  );
  `,
  // registry: named models, their versions (one per run and name), stage changes; exports in progress
  `
  CREATE TABLE registered_models (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
  );
  CREATE TABLE model_versions (
    name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE RESTRICT,
    stage TEXT NOT NULL,
    description TEXT,
    model_dir TEXT NOT NULL,
    lineage TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (name, version),
    UNIQUE (name, run_id)
  );
  CREATE TABLE stage_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    stage TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE
  );
  CREATE TABLE exports (
    temp_path TEXT PRIMARY KEY,
    target_path TEXT NOT NULL,
    pid INTEGER NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  `,
  // MLflow sync: the outbox (one row per run or model version, with its remote id and confirmed progress) and its settings.
  `
  CREATE TABLE sync_items (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    local_id TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    remote_id TEXT,
    remote_experiment_id TEXT,
    remote_url TEXT,
    metrics_confirmed_rowid INTEGER NOT NULL DEFAULT 0,
    metrics_confirmed INTEGER NOT NULL DEFAULT 0,
    params_done INTEGER NOT NULL DEFAULT 0,
    artifacts_done INTEGER NOT NULL DEFAULT 0,
    synced_version TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at TEXT NOT NULL,
    synced_at TEXT
  );
  CREATE INDEX sync_items_by_state ON sync_items(state, kind);
  CREATE TABLE sync_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
];
