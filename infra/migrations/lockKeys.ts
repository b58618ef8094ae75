// The advisory lock keys of this project's database, each named once (pg_advisory_xact_lock and
// pg_advisory_lock take one bigint; in pg_locks a key k shows as classid = k >> 32, objid = k & 0xffffffff,
// objsubid = 1). Change one only together with every tool that takes it on the same database.

/** Every deployer (the Migration and Grant resources) holds it while applying migrations or granting. */
export const MIGRATION_LOCK_KEY = 740_610_001;

/**
 * The analytics refresh holds it while it runs (analytics.refresh_all_views(), a second caller
 * skips), and so does a migration that rebuilds what the refresh reads. In SQL it is
 * `analytics.refresh_lock_key()` (sql/migrations/*_refresh_lock_key.sql).
 */
export const REFRESH_LOCK_KEY = 7_406_300;
