-- Request history, usage counters, the audit log and the Recorder's applied-batch ledger.

CREATE TABLE history (
    id                VARCHAR(128) PRIMARY KEY,
    kind              VARCHAR(32)  NOT NULL,
    user_id           VARCHAR(64)  NOT NULL,
    key_id            VARCHAR(64),
    project_id        VARCHAR(64),
    model             VARCHAR(256) NOT NULL,
    client_ip         VARCHAR(64),
    status            VARCHAR(16)  NOT NULL CHECK (status IN ('completed', 'incomplete', 'error')),
    http_status       INTEGER      NOT NULL,
    -- NULL when the key is "metadata only".
    request_body      ${large_text},
    response_body     ${large_text},
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    ttft_ms           BIGINT,
    duration_ms       BIGINT       NOT NULL,
    prompt_tokens     BIGINT       NOT NULL,
    completion_tokens BIGINT       NOT NULL,
    -- JSON object of string values (OpenAI "metadata"); mirrored in history_metadata for filtering.
    metadata          VARCHAR(16000)
);
-- Owner listings ordered by (created_at, id) in either direction; also serves the retention purge by time.
CREATE INDEX history_owner_time ON history (user_id, created_at, id);
CREATE INDEX history_time ON history (created_at);

CREATE TABLE history_metadata (
    history_id VARCHAR(128) NOT NULL REFERENCES history (id) ON DELETE CASCADE,
    user_id    VARCHAR(64)  NOT NULL,
    meta_key   VARCHAR(64)  NOT NULL,
    meta_value VARCHAR(512) NOT NULL,
    PRIMARY KEY (history_id, meta_key)
);
CREATE INDEX history_metadata_owner_kv ON history_metadata (user_id, meta_key, meta_value);

-- Counters per hour and user, key, project and model. '' stands for "no key" / "no project" because key columns
-- cannot be NULL. bucket_day is the UTC date of bucket_hour, kept so daily queries group on a plain column.
CREATE TABLE usage_hourly (
    bucket_hour       TIMESTAMP WITH TIME ZONE NOT NULL,
    bucket_day        DATE         NOT NULL,
    user_id           VARCHAR(64)  NOT NULL,
    key_id            VARCHAR(64)  NOT NULL,
    project_id        VARCHAR(64)  NOT NULL,
    model             VARCHAR(256) NOT NULL,
    requests          BIGINT       NOT NULL,
    errors            BIGINT       NOT NULL,
    prompt_tokens     BIGINT       NOT NULL,
    completion_tokens BIGINT       NOT NULL,
    PRIMARY KEY (bucket_hour, user_id, key_id, project_id, model)
);
CREATE INDEX usage_hourly_user ON usage_hourly (user_id, bucket_hour);
CREATE INDEX usage_hourly_project ON usage_hourly (project_id, bucket_hour);

CREATE TABLE audit_events (
    id          VARCHAR(64)  PRIMARY KEY,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    actor_id    VARCHAR(64),
    action      VARCHAR(64)  NOT NULL,
    target_type VARCHAR(32),
    target_id   VARCHAR(128),
    client_ip   VARCHAR(64),
    -- JSON object of string values.
    detail      VARCHAR(16000)
);
CREATE INDEX audit_events_time ON audit_events (occurred_at, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, occurred_at);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id);

-- Batches the Recorder has committed, by batch id, so a batch replayed from the spool after an unknown commit
-- outcome or a crash is applied exactly once. Old rows are purged with the history.
CREATE TABLE recorder_batches (
    batch_id   VARCHAR(64) PRIMARY KEY,
    applied_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX recorder_batches_time ON recorder_batches (applied_at);
