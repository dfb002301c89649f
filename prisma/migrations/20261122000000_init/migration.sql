-- Initial schema: the whole data model of SPEC.md (generated with `npm run db:schema-sql`).

-- CreateEnum
CREATE TYPE "api_scope" AS ENUM ('merchant', 'checkout', 'admin');

-- CreateEnum
CREATE TYPE "discount_type" AS ENUM ('percentage', 'fixed');

-- CreateEnum
CREATE TYPE "campaign_state" AS ENUM ('active', 'archived');

-- CreateEnum
CREATE TYPE "code_state" AS ENUM ('active', 'expired');

-- CreateEnum
CREATE TYPE "code_source" AS ENUM ('single', 'generated', 'imported');

-- CreateEnum
CREATE TYPE "reservation_status" AS ENUM ('PENDING', 'RESERVED', 'REJECTED', 'RELEASED', 'EXPIRED', 'CONFIRMED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "job_kind" AS ENUM ('generate_codes', 'import_codes');

-- CreateEnum
CREATE TYPE "job_state" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "job_file_purpose" AS ENUM ('upload', 'error_report');

-- CreateEnum
CREATE TYPE "partner_kind" AS ENUM ('affiliate', 'creator', 'media');

-- CreateEnum
CREATE TYPE "alert_kind" AS ENUM ('velocity', 'outside_member_groups');

-- CreateTable
CREATE TABLE "store" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "store_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "scopes" "api_scope"[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partner" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "partner_kind" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "partner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partner_rule" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "partner_id" UUID NOT NULL,
    "pattern" TEXT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partner_rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "discount_type" "discount_type" NOT NULL,
    "percent_basis_points" INTEGER,
    "amount" BIGINT,
    "currency" CHAR(3) NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "member_groups" TEXT[],
    "product_ids" TEXT[],
    "usage_limit" INTEGER,
    "once_per_account" BOOLEAN NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "combines_with_all" BOOLEAN NOT NULL DEFAULT false,
    "combines_with" UUID[],
    "partner_id" UUID,
    "velocity_limit" INTEGER,
    "velocity_window_seconds" INTEGER,
    "state" "campaign_state" NOT NULL DEFAULT 'active',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "archived_at" TIMESTAMPTZ(3),

    CONSTRAINT "campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "code" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "code_key" TEXT NOT NULL,
    "state" "code_state" NOT NULL DEFAULT 'active',
    "source" "code_source" NOT NULL,
    "partner_id" UUID,
    "job_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expired_at" TIMESTAMPTZ(3),

    CONSTRAINT "code_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservation" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "code_id" UUID,
    "campaign_id" UUID,
    "code_input" TEXT NOT NULL,
    "code_key" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "member_groups" TEXT[],
    "partition" INTEGER NOT NULL,
    "sequence" BIGINT NOT NULL,
    "status" "reservation_status" NOT NULL,
    "error_code" TEXT,
    "currency" CHAR(3) NOT NULL,
    "cart" JSONB NOT NULL,
    "discount" BIGINT NOT NULL DEFAULT 0,
    "lines" JSONB NOT NULL,
    "totals" JSONB NOT NULL,
    "partner_id" UUID,
    "order_number" TEXT,
    "order_total" BIGINT,
    "idempotency_key" TEXT,
    "client_ip" TEXT,
    "accepted_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "released_at" TIMESTAMPTZ(3),
    "expired_at" TIMESTAMPTZ(3),
    "confirmed_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "reservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_event" (
    "id" BIGSERIAL NOT NULL,
    "store_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_event" (
    "consumer" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("consumer","event_id")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "store_id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "response_status" INTEGER NOT NULL,
    "response_body" JSONB NOT NULL,
    "reservation_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("store_id","scope","key")
);

-- CreateTable
CREATE TABLE "queue_partition" (
    "queue" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "last_job_id" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "queue_partition_pkey" PRIMARY KEY ("queue","partition")
);

-- CreateTable
CREATE TABLE "job" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "campaign_id" UUID,
    "kind" "job_kind" NOT NULL,
    "state" "job_state" NOT NULL DEFAULT 'queued',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "params" JSONB NOT NULL,
    "result" JSONB,
    "errors" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_file" (
    "id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "purpose" "job_file_purpose" NOT NULL,
    "file_name" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_file_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert" (
    "id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "code_id" UUID NOT NULL,
    "kind" "alert_kind" NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "window_end" TIMESTAMPTZ(3) NOT NULL,
    "observed" INTEGER NOT NULL,
    "threshold" INTEGER NOT NULL,
    "details" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "store_slug_key" ON "store"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_secret_hash_key" ON "api_key"("secret_hash");

-- CreateIndex
CREATE INDEX "api_key_store_id_idx" ON "api_key"("store_id");

-- CreateIndex
CREATE UNIQUE INDEX "partner_store_id_name_key" ON "partner"("store_id", "name");

-- CreateIndex
CREATE INDEX "partner_rule_store_id_priority_idx" ON "partner_rule"("store_id", "priority");

-- CreateIndex
CREATE INDEX "campaign_store_id_created_at_idx" ON "campaign"("store_id", "created_at");

-- CreateIndex
CREATE INDEX "code_store_id_code_key_idx" ON "code"("store_id", "code_key");

-- CreateIndex
CREATE UNIQUE INDEX "code_campaign_id_code_key_key" ON "code"("campaign_id", "code_key");

-- CreateIndex
CREATE INDEX "reservation_code_id_status_idx" ON "reservation"("code_id", "status");

-- CreateIndex
CREATE INDEX "reservation_code_id_sequence_idx" ON "reservation"("code_id", "sequence");

-- CreateIndex
CREATE INDEX "reservation_campaign_id_account_id_status_idx" ON "reservation"("campaign_id", "account_id", "status");

-- CreateIndex
CREATE INDEX "reservation_status_expires_at_idx" ON "reservation"("status", "expires_at");

-- CreateIndex
CREATE INDEX "reservation_store_id_order_number_idx" ON "reservation"("store_id", "order_number");

-- CreateIndex
CREATE INDEX "reservation_store_id_confirmed_at_idx" ON "reservation"("store_id", "confirmed_at");

-- CreateIndex
CREATE INDEX "outbox_event_published_at_id_idx" ON "outbox_event"("published_at", "id");

-- CreateIndex
CREATE INDEX "job_store_id_created_at_idx" ON "job"("store_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "job_file_job_id_purpose_key" ON "job_file"("job_id", "purpose");

-- CreateIndex
CREATE INDEX "alert_store_id_created_at_idx" ON "alert"("store_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "alert_code_id_kind_window_start_key" ON "alert"("code_id", "kind", "window_start");

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partner" ADD CONSTRAINT "partner_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partner_rule" ADD CONSTRAINT "partner_rule_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partner_rule" ADD CONSTRAINT "partner_rule_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign" ADD CONSTRAINT "campaign_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign" ADD CONSTRAINT "campaign_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "code" ADD CONSTRAINT "code_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "code" ADD CONSTRAINT "code_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "code" ADD CONSTRAINT "code_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "code" ADD CONSTRAINT "code_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_code_id_fkey" FOREIGN KEY ("code_id") REFERENCES "code"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation" ADD CONSTRAINT "reservation_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_file" ADD CONSTRAINT "job_file_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert" ADD CONSTRAINT "alert_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "store"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert" ADD CONSTRAINT "alert_code_id_fkey" FOREIGN KEY ("code_id") REFERENCES "code"("id") ON DELETE CASCADE ON UPDATE CASCADE;
