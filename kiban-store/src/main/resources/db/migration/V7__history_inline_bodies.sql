-- Request and response bodies up to 32,768 characters go to these plain text columns; longer ones stay in
-- request_body / response_body. On H2 every large-object value passes through its LOB store, which allocates about
-- 50 KB of reader buffers per value: with two bodies per row that was 108 KB and 38-83 us per history row, and most
-- of the governed gateway's garbage (docs/benchmarks/2026-11-22-overhead-quiet.md). A row has at most one of each
-- pair set. On PostgreSQL both are TEXT and the split changes nothing but keeps one code path.
ALTER TABLE history ADD COLUMN request_text ${inline_text};
ALTER TABLE history ADD COLUMN response_text ${inline_text};
