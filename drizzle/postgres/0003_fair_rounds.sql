DROP INDEX "messages_claim_idx";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "fair_round" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_owner_round_idx" ON "messages" USING btree ("owner","priority","fair_round") WHERE status = 'PENDING' AND due_at IS NULL;--> statement-breakpoint
CREATE INDEX "messages_claim_idx" ON "messages" USING btree ("effective_priority" DESC,"fair_round","seq") WHERE status = 'PENDING' AND due_at IS NULL;