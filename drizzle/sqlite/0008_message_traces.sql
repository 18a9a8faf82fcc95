CREATE TABLE `message_traces` (
	`message_id` text PRIMARY KEY NOT NULL,
	`traceparent` text NOT NULL,
	`created_at` integer NOT NULL
);
