-- Deployments (issue 4): the desired state of each served model, as the API and the command line set it. The spec is
-- the API's JSON document (kiban-server's DeploymentDocument), every field filled in; name, runtime and origin are
-- columns so that listings need not parse it. revision grows by one on every update.

CREATE TABLE deployments (
    name       VARCHAR(128) PRIMARY KEY,
    runtime    VARCHAR(16)  NOT NULL,
    origin     VARCHAR(16)  NOT NULL CHECK (origin IN ('api', 'command-line')),
    spec       ${large_text} NOT NULL,
    revision   BIGINT       NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
