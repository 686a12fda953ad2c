using Custos.Data;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task Migrations_AppliedToEngine_MatchTheModel()
    {
        var pending = await ReadAsync(db => Task.FromResult(db.Database.HasPendingModelChanges()));

        pending.ShouldBeFalse("the model changed without a migration for this engine");
    }

    /// The indexes that carry rules (uniqueness) and the Organizations page must each exist on their
    /// own: an index configured twice on the same columns silently becomes one.
    [Fact]
    public async Task Migrations_OrganizationIndexes_AllPresentOnTheirOwn()
    {
        var sql = fixture.Engine == "PostgreSQL"
            ? "SELECT indexname AS \"Value\" FROM pg_indexes WHERE tablename = 'Organizations'"
            : "SELECT name AS \"Value\" FROM pragma_index_list('Organizations')";

        var indexes = await ReadAsync(db => db.Database.SqlQueryRaw<string>(sql).ToListAsync());

        indexes.ShouldContain(AppDbContext.EmailUniqueIndex);
        indexes.ShouldContain(AppDbContext.NameUniqueIndex);
        indexes.ShouldContain(AppDbContext.OrganizationPublicIdIndex);
        indexes.ShouldContain("IX_Organizations_PartnerId_Status_NameNormalized_Id");
        indexes.ShouldContain("IX_Organizations_NeedAuthentication");
        if (fixture.Engine == "PostgreSQL")
        {
            indexes.ShouldContain("IX_Organizations_NameNormalized_Trgm");
            indexes.ShouldContain("IX_Organizations_PublicId_Trgm");
        }
    }
}
