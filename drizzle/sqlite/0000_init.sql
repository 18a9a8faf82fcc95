CREATE TABLE `attempts` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`worker_id` text,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `attempts_message_idx` ON `attempts` (`message_id`,`attempt`);--> statement-breakpoint
CREATE INDEX `attempts_ended_idx` ON `attempts` (`ended_at`);--> statement-breakpoint
CREATE TABLE `message_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`version` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`snapshot` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `message_events_message_version_idx` ON `message_events` (`message_id`,`version`);--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`status` text NOT NULL,
	`priority` integer NOT NULL,
	`effective_priority` integer NOT NULL,
	`created_at` integer NOT NULL,
	`queued_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	`error_message` text,
	`retry_count` integer DEFAULT 0 NOT NULL,
	`max_retries` integer NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`next_attempt_at` integer,
	`dead_lettered` integer DEFAULT 0 NOT NULL,
	`version` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_owner` text,
	`lease_expires_at` integer,
	`payload` text NOT NULL,
	`use_agentic` integer DEFAULT 0 NOT NULL,
	`simulate` text,
	`result` text,
	`progress` text,
	`review_state` text DEFAULT 'NOT_REQUIRED' NOT NULL,
	`review_reasons` text DEFAULT '[]' NOT NULL,
	`reviewer` text,
	`review_notes` text,
	`review_decided_at` integer,
	`owner` text NOT NULL,
	`idempotency_key` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_id_idx` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_claim_idx` ON `messages` ("effective_priority" DESC,`seq`) WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX `messages_lease_idx` ON `messages` (`lease_expires_at`) WHERE status = 'PROCESSING';--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency_idx` ON `messages` (`owner`,`idempotency_key`) WHERE idempotency_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_status_idx` ON `messages` (`status`,`completed_at`);--> statement-breakpoint
CREATE INDEX `messages_owner_idx` ON `messages` (`owner`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_review_idx` ON `messages` (`seq`) WHERE review_state = 'PENDING';--> statement-breakpoint
CREATE TABLE `status_counts` (
	`status` text PRIMARY KEY NOT NULL,
	`n` integer DEFAULT 0 NOT NULL
);
