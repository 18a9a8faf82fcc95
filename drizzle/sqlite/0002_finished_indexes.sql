DROP INDEX `messages_status_idx`;--> statement-breakpoint
CREATE INDEX `messages_finished_idx` ON `messages` (`status`,`seq`) WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED');--> statement-breakpoint
CREATE INDEX `messages_retention_idx` ON `messages` (`completed_at`) WHERE status IN ('COMPLETED', 'CANCELLED');