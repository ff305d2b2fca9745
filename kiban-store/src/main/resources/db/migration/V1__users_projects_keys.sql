-- Users, projects and API keys. Portable SQL for PostgreSQL and H2 (MODE=PostgreSQL).
-- Ids and timestamps are made by the application and stored as given.

CREATE TABLE users (
    id          VARCHAR(64)  PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    -- Stored as given; the application lower-cases addresses before storing so uniqueness is case-insensitive.
    email       VARCHAR(320) NOT NULL,
    role        VARCHAR(16)  NOT NULL CHECK (role IN ('admin', 'user')),
    active      BOOLEAN      NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE UNIQUE INDEX users_email_uq ON users (email);

CREATE TABLE projects (
    id          VARCHAR(64)  PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    description VARCHAR(2000),
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE UNIQUE INDEX projects_name_uq ON projects (name);

CREATE TABLE project_members (
    project_id  VARCHAR(64) NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id     VARCHAR(64) NOT NULL REFERENCES users (id),
    role        VARCHAR(16) NOT NULL CHECK (role IN ('manager', 'member')),
    added_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);

-- One row: the last key revision handed out. Writers bump it with UPDATE, whose row lock is held until commit,
-- so revisions become visible in the order they were handed out and a reader polling "revision > last seen"
-- never skips a change (see KeyRevisions).
CREATE TABLE key_revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO key_revision (id, revision) VALUES (1, 0);

CREATE TABLE api_keys (
    id             VARCHAR(64)  PRIMARY KEY,
    user_id        VARCHAR(64)  NOT NULL REFERENCES users (id),
    project_id     VARCHAR(64)  REFERENCES projects (id),
    name           VARCHAR(200) NOT NULL,
    -- The first characters of the secret, for display ("sk-kiban-AbCde…").
    prefix         VARCHAR(32)  NOT NULL,
    -- Lower-case hex SHA-256 of the whole secret; the secret itself is never stored.
    secret_hash    CHAR(64)     NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    last_used_at   TIMESTAMP WITH TIME ZONE,
    expires_at     TIMESTAMP WITH TIME ZONE,
    revoked_at     TIMESTAMP WITH TIME ZONE,
    -- JSON arrays of strings; NULL or [] means "no restriction".
    allowed_models VARCHAR(8000),
    allowed_cidrs  VARCHAR(8000),
    rpm_limit      INTEGER,
    tpm_limit      BIGINT,
    metadata_only  BOOLEAN      NOT NULL,
    revision       BIGINT       NOT NULL
);
CREATE UNIQUE INDEX api_keys_secret_hash_uq ON api_keys (secret_hash);
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE INDEX api_keys_revision ON api_keys (revision);
