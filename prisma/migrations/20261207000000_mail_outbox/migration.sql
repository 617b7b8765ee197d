-- CreateTable
CREATE TABLE "mail_outbox" (
    "id" UUID NOT NULL,
    "kind" VARCHAR(40) NOT NULL,
    "payload" TEXT NOT NULL,
    "code_user_id" UUID,
    "code_purpose" VARCHAR(20),
    "code_hash" VARCHAR(64),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_until" TIMESTAMPTZ(3),
    "claim_token" UUID,

    CONSTRAINT "mail_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "mail_outbox_next_attempt_at_idx" ON "mail_outbox"("next_attempt_at");

-- CreateIndex
CREATE INDEX "mail_outbox_code_user_id_code_purpose_idx" ON "mail_outbox"("code_user_id", "code_purpose");
