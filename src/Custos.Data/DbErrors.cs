using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Custos.Data;

public static class DbErrors
{
    /// The name of the unique index a failed save broke, or null when the failure was something else.
    /// SQLite names the columns rather than the index, so its message is matched against each index's columns.
    public static string? UniqueIndexViolated(DbUpdateException e) => e.InnerException switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg => pg.ConstraintName,
        SqliteException { SqliteErrorCode: 19 } sq when sq.Message.Contains("UNIQUE", StringComparison.Ordinal) =>
            sq.Message.Contains("Organizations.OwnerEmailNormalized", StringComparison.Ordinal) ? AppDbContext.EmailUniqueIndex
            : sq.Message.Contains("Organizations.NameNormalized", StringComparison.Ordinal) ? AppDbContext.NameUniqueIndex
            : sq.Message.Contains("Organizations.PublicId", StringComparison.Ordinal) ? AppDbContext.OrganizationPublicIdIndex
            : sq.Message.Contains("FeatureEntitlements.PartnerId", StringComparison.Ordinal) ? AppDbContext.PartnerEntitlementIndex
            : sq.Message.Contains("FeatureEntitlements.OrganizationId", StringComparison.Ordinal) ? AppDbContext.OrganizationEntitlementIndex
            : sq.Message.Contains("Transfers.OrganizationId", StringComparison.Ordinal) ? AppDbContext.OpenTransferIndex
            : sq.Message,
        _ => null,
    };
}
