DROP INDEX `attempts_ended_idx`;--> statement-breakpoint
DROP INDEX `messages_retention_idx`;