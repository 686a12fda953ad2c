using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Custos.Data;

public static class DatabaseMigrations
{
    /// Applies the migrations the database lacks; true when there were any. An up-to-date database
    /// costs one read of the migrations history table: EF Core's MigrateAsync would also take the
    /// migration lock and build the design-time model to compare it with the snapshot (about two
    /// seconds of CPU at every process start). That comparison is a test
    /// (Migrations_AppliedToEngine_MatchTheModel), not a start-up check. Two nodes starting at once
    /// may both see migrations pending: MigrateAsync takes its lock and applies each one once.
    public static async Task<bool> ApplyPendingMigrationsAsync(this DatabaseFacade database, CancellationToken ct = default)
    {
        var pending = await database.GetPendingMigrationsAsync(ct);
        if (!pending.Any())
        {
            return false;
        }

        await database.MigrateAsync(ct);
        return true;
    }
}
