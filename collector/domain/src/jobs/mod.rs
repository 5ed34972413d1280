//! Scheduled jobs: cron schedules in a time zone, due times, leases and the catch-up policy.
