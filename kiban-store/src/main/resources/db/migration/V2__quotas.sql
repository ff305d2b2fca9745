-- Token budgets and the grant ledger that enforces them across servers (see QuotaRepository).

CREATE TABLE quotas (
    subject_type VARCHAR(16) NOT NULL CHECK (subject_type IN ('user', 'project')),
    subject_id   VARCHAR(64) NOT NULL,
    period       VARCHAR(16) NOT NULL CHECK (period IN ('day', 'month')),
    token_limit  BIGINT      NOT NULL CHECK (token_limit >= 0),
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (subject_type, subject_id, period)
);

-- Tokens handed out to servers for one subject and period. A server serves requests from its grant in memory and
-- asks for more only when it runs low. final_grant is set once a partial grant has let the period's last request
-- through, so at most one request per period can go over the limit.
CREATE TABLE quota_grants (
    subject_type VARCHAR(16) NOT NULL,
    subject_id   VARCHAR(64) NOT NULL,
    period       VARCHAR(16) NOT NULL,
    period_start TIMESTAMP WITH TIME ZONE NOT NULL,
    granted      BIGINT      NOT NULL,
    final_grant  BOOLEAN     NOT NULL,
    PRIMARY KEY (subject_type, subject_id, period, period_start)
);
