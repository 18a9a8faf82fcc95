DROP INDEX `messages_claim_idx`;--> statement-breakpoint
ALTER TABLE `messages` ADD `fair_round` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_owner_round_idx` ON `messages` (`owner`,`priority`,`fair_round`) WHERE status = 'PENDING' AND due_at IS NULL;--> statement-breakpoint
CREATE INDEX `messages_claim_idx` ON `messages` ("effective_priority" DESC,`fair_round`,`seq`) WHERE status = 'PENDING' AND due_at IS NULL;