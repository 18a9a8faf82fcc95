CREATE TABLE "fleet_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"paused" integer DEFAULT 0 NOT NULL,
	"changed_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processes" (
	"id" text PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"api" integer NOT NULL,
	"concurrency" integer NOT NULL,
	"running" integer NOT NULL,
	"started_at" bigint NOT NULL,
	"heartbeat_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
