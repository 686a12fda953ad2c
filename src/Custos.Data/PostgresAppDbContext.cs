using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data;

public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Byte-order collation: sorting matches SQLite's, and prefix LIKE can use the btree.
        builder.Entity<Organization>(e =>
        {
            e.Property(o => o.NameNormalized).UseCollation("C");
            e.Property(o => o.PublicId).UseCollation("C");
        });
        builder.Entity<Partner>(e => e.Property(p => p.Path).UseCollation("C"));
    }
}
