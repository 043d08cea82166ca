-- Dashboard sign-in (issue 11): an API key (or the admin token) is exchanged once for a
-- server-side session; the browser holds only a random token whose SHA-256 is stored here.
-- `principal_id` is the API key id (or 'admin-token'): every request resolves the key again,
-- so revoking the key ends its sessions. One-time sign-in links (`motcua dev`) live beside them.

-- CreateTable
CREATE TABLE "dashboard_session" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "principal_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "dashboard_session_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "dashboard_session_token_hash_key" ON "dashboard_session"("token_hash");
CREATE INDEX "dashboard_session_principal_id_idx" ON "dashboard_session"("principal_id");

-- CreateTable
CREATE TABLE "dashboard_sign_in_link" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "principal_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "dashboard_sign_in_link_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "dashboard_sign_in_link_token_hash_key" ON "dashboard_sign_in_link"("token_hash");
