-- Account self-service: verified emails, where and when a session was used, and one table of
-- one-time codes for every purpose (password reset, email verification, email change).

-- AlterTable
ALTER TABLE "users" ADD COLUMN "email_verified" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable: existing sessions count as last active when they began.
ALTER TABLE "sessions" ADD COLUMN "user_agent" VARCHAR(256),
ADD COLUMN "ip_address" VARCHAR(64),
ADD COLUMN "last_active_at" TIMESTAMPTZ(3);
UPDATE "sessions" SET "last_active_at" = "created_at";
ALTER TABLE "sessions" ALTER COLUMN "last_active_at" SET NOT NULL,
ALTER COLUMN "last_active_at" SET DEFAULT CURRENT_TIMESTAMP;

-- RenameTable: password reset codes become one purpose of one_time_codes, keeping every row
-- (a code mailed before the upgrade still works after it).
ALTER TABLE "password_reset_codes" RENAME TO "one_time_codes";
ALTER TABLE "one_time_codes" ADD COLUMN "purpose" VARCHAR(20) NOT NULL DEFAULT 'password_reset',
ADD COLUMN "email" VARCHAR(254);
ALTER TABLE "one_time_codes" ALTER COLUMN "purpose" DROP DEFAULT;
ALTER TABLE "one_time_codes" DROP CONSTRAINT "password_reset_codes_pkey";
ALTER TABLE "one_time_codes" ADD CONSTRAINT "one_time_codes_pkey" PRIMARY KEY ("user_id", "purpose");
ALTER TABLE "one_time_codes" RENAME CONSTRAINT "password_reset_codes_user_id_fkey" TO "one_time_codes_user_id_fkey";
