-- API keys may expire (issue 12, hostile callers): a key past `expires_at` authenticates nothing,
-- like a revoked one. NULL = no expiry (every key created before this).

-- AlterTable
ALTER TABLE "api_key" ADD COLUMN "expires_at" TIMESTAMPTZ(3);
