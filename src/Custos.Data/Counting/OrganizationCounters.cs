using Microsoft.EntityFrameworkCore;

namespace Custos.Data.Counting;

/// The SQL behind the maintained tab counts on PostgreSQL (see README.md beside this file).
public static class OrganizationCounters
{
    /// The trigger that appends a delta row for every change to a counted key. Appending never
    /// waits on another transaction, so hot partners cannot deadlock on their counters.
    public const string InstallSql = """
        CREATE OR REPLACE FUNCTION custos_organization_count_delta() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
                INSERT INTO "OrganizationCountDeltas" ("PartnerId", "Status", "PlanType", "CredentialError", "Delta")
                VALUES (OLD."PartnerId", OLD."Status", OLD."PlanType", OLD."CredentialError", -1);
            END IF;
            IF TG_OP = 'UPDATE' OR TG_OP = 'INSERT' THEN
                INSERT INTO "OrganizationCountDeltas" ("PartnerId", "Status", "PlanType", "CredentialError", "Delta")
                VALUES (NEW."PartnerId", NEW."Status", NEW."PlanType", NEW."CredentialError", 1);
            END IF;
            RETURN NULL;
        END
        $$;

        DROP TRIGGER IF EXISTS organization_count_insert_delete ON "Organizations";
        CREATE TRIGGER organization_count_insert_delete
            AFTER INSERT OR DELETE ON "Organizations"
            FOR EACH ROW EXECUTE FUNCTION custos_organization_count_delta();

        DROP TRIGGER IF EXISTS organization_count_update ON "Organizations";
        CREATE TRIGGER organization_count_update
            AFTER UPDATE OF "PartnerId", "Status", "PlanType", "CredentialError" ON "Organizations"
            FOR EACH ROW
            WHEN (OLD."PartnerId" IS DISTINCT FROM NEW."PartnerId"
                OR OLD."Status" IS DISTINCT FROM NEW."Status"
                OR OLD."PlanType" IS DISTINCT FROM NEW."PlanType"
                OR OLD."CredentialError" IS DISTINCT FROM NEW."CredentialError")
            EXECUTE FUNCTION custos_organization_count_delta();
        """;

    public const string UninstallSql = """
        DROP TRIGGER IF EXISTS organization_count_update ON "Organizations";
        DROP TRIGGER IF EXISTS organization_count_insert_delete ON "Organizations";
        DROP FUNCTION IF EXISTS custos_organization_count_delta();
        """;

    /// Recounts every key from the organizations themselves. The SHARE lock waits for running
    /// writers and holds new ones off until the recount commits, so no change is lost or counted twice.
    public const string RebuildSql = """
        LOCK TABLE "Organizations" IN SHARE MODE;
        DELETE FROM "OrganizationCountDeltas";
        DELETE FROM "OrganizationCounts";
        INSERT INTO "OrganizationCounts" ("PartnerId", "Status", "PlanType", "CredentialError", "Count")
        SELECT "PartnerId", "Status", "PlanType", "CredentialError", count(*)
        FROM "Organizations"
        GROUP BY "PartnerId", "Status", "PlanType", "CredentialError";
        """;

    /// Folds the committed deltas into the counters in one statement: the rows it deletes are
    /// exactly the rows it adds up, and deltas of transactions still running stay for the next roll-up.
    /// Keys are written in one fixed order, so two roll-ups cannot deadlock each other.
    public const string RollUpSql = """
        WITH moved AS (
            DELETE FROM "OrganizationCountDeltas"
            RETURNING "PartnerId", "Status", "PlanType", "CredentialError", "Delta"
        ), summed AS (
            SELECT "PartnerId", "Status", "PlanType", "CredentialError", sum("Delta") AS "Delta"
            FROM moved
            GROUP BY "PartnerId", "Status", "PlanType", "CredentialError"
        )
        INSERT INTO "OrganizationCounts" AS c ("PartnerId", "Status", "PlanType", "CredentialError", "Count")
        SELECT "PartnerId", "Status", "PlanType", "CredentialError", "Delta"
        FROM summed
        ORDER BY "PartnerId", "Status", "PlanType", "CredentialError"
        ON CONFLICT ("PartnerId", "Status", "PlanType", "CredentialError")
        DO UPDATE SET "Count" = c."Count" + EXCLUDED."Count";
        """;

    /// Recounts from scratch (after a bulk load that bypassed the trigger, or as a repair).
    public static async Task RebuildAsync(AppDbContext db, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync(RebuildSql, ct);
        await tx.CommitAsync(ct);
    }

    /// Folds pending deltas into the counters; answers how many counter keys changed.
    public static Task<int> RollUpAsync(AppDbContext db, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync(RollUpSql, ct);
}
