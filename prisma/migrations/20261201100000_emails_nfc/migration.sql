-- Emails are compared and stored in Unicode NFC from now on. Addresses stored before, decomposed
-- ("e" + U+0301 instead of "é"), would no longer match what sign-in looks up: rewrite them.
-- Where the NFC form already belongs to another account, the row is left as it was rather than
-- merged (the unique index forbids two; no account is lost or joined to another).
UPDATE "users" AS u
SET "email" = normalize(u."email", NFC)
WHERE u."email" IS NOT NFC NORMALIZED
  AND NOT EXISTS (SELECT 1 FROM "users" AS o WHERE o."email" = normalize(u."email", NFC));
