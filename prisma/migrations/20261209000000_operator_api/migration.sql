-- AlterTable
ALTER TABLE "users" ADD COLUMN "disabled_at" TIMESTAMPTZ(3),
ADD COLUMN "disabled_until" TIMESTAMPTZ(3),
ADD COLUMN "disabled_reason" VARCHAR(500),
ADD COLUMN "last_sign_in_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "security_events" ADD COLUMN "by_operator" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "operator_key_id" VARCHAR(10);

-- CreateTable
CREATE TABLE "operator_api_keys" (
    "id" UUID NOT NULL,
    "key_id" VARCHAR(10) NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "scope" VARCHAR(5) NOT NULL,
    "secret_hash" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "operator_api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operator_api_keys_key_id_key" ON "operator_api_keys"("key_id");

-- CreateIndex: keyset pagination of the operator API's `users`
CREATE INDEX "users_created_at_id_idx" ON "users"("created_at", "id");

-- CreateIndex: prefix search (LIKE 'prefix%'); Prisma cannot describe these two
CREATE INDEX "users_email_pattern_idx" ON "users"("email" text_pattern_ops);
CREATE INDEX "users_username_pattern_idx" ON "users"(lower("username") text_pattern_ops);

-- AddForeignKey
ALTER TABLE "security_events" ADD CONSTRAINT "security_events_operator_key_id_fkey" FOREIGN KEY ("operator_key_id") REFERENCES "operator_api_keys"("key_id") ON DELETE SET NULL ON UPDATE CASCADE;
