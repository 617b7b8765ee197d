-- The purge deletes sessions past their absolute expiry (src/services/purge/rules.ts): an index
-- instead of a scan of every session. The column never changes after insert, so session
-- refreshes stay heap-only updates.
CREATE INDEX "sessions_absolute_expires_at_idx" ON "sessions"("absolute_expires_at");
