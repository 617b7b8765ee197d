-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "identity_id" UUID;

-- AlterTable
ALTER TABLE "security_events" ADD COLUMN "provider" VARCHAR(32);

-- CreateTable
CREATE TABLE "identities" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "provider" VARCHAR(32) NOT NULL,
    "subject" VARCHAR(255) NOT NULL,
    "issuer" VARCHAR(255) NOT NULL,
    "email" VARCHAR(254),
    "email_verified" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "refresh_token_encrypted" TEXT,

    CONSTRAINT "identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_flows" (
    "state_hash" VARCHAR(64) NOT NULL,
    "provider" VARCHAR(32) NOT NULL,
    "purpose" VARCHAR(10) NOT NULL,
    "sealed" TEXT NOT NULL,
    "return_to" VARCHAR(2048) NOT NULL,
    "cookie_hash" VARCHAR(64),
    "code_challenge" VARCHAR(43),
    "user_id" UUID,
    "session_id" UUID,
    "handoff_code_hash" VARCHAR(64),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_flows_pkey" PRIMARY KEY ("state_hash")
);

-- CreateIndex
CREATE INDEX "sessions_identity_id_idx" ON "sessions"("identity_id");

-- CreateIndex
CREATE UNIQUE INDEX "identities_provider_subject_key" ON "identities"("provider", "subject");

-- CreateIndex
CREATE UNIQUE INDEX "identities_user_id_provider_key" ON "identities"("user_id", "provider");

-- CreateIndex
CREATE INDEX "provider_flows_expires_at_idx" ON "provider_flows"("expires_at");

-- CreateIndex
CREATE INDEX "provider_flows_user_id_idx" ON "provider_flows"("user_id");

-- CreateIndex
CREATE INDEX "provider_flows_session_id_idx" ON "provider_flows"("session_id");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identities" ADD CONSTRAINT "identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_flows" ADD CONSTRAINT "provider_flows_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_flows" ADD CONSTRAINT "provider_flows_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
