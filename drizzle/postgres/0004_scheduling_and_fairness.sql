DROP INDEX "messages_claim_idx";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "run_at" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "due_at" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "fair_round" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_owner_round_idx" ON "messages" USING btree ("owner","priority","fair_round") WHERE status = 'PENDING' AND due_at IS NULL;--> statement-breakpoint
CREATE INDEX "messages_due_idx" ON "messages" USING btree ("due_at") WHERE due_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_claim_idx" ON "messages" USING btree ("effective_priority" DESC,"fair_round","seq") WHERE status = 'PENDING' AND due_at IS NULL;--> statement-breakpoint
-- hand-written: retries already waiting for their time move out of the claim index (queue/due.ts's rule).
UPDATE "messages" SET "due_at" = "next_attempt_at" WHERE status = 'PENDING' AND next_attempt_at IS NOT NULL;
