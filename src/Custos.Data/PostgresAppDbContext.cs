using Custos.Data.Counting;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data;

public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasPostgresExtension("pg_trgm");

        // Byte-order collation: sorting matches SQLite's, and prefix LIKE can use the btree.
        builder.Entity<Organization>(e =>
        {
            e.Property(o => o.NameNormalized).UseCollation("C");
            e.Property(o => o.PublicId).UseCollation("C");

            // Contains-search on name and ID at a million rows (see docs/benchmarks.md).
            // Named, so they are indexes of their own beside the unique ones on the same columns
            // (an unnamed HasIndex on the same column would reconfigure the unique index instead).
            e.HasIndex(o => o.NameNormalized, "IX_Organizations_NameNormalized_Trgm")
                .HasMethod("gin").HasOperators("gin_trgm_ops");
            e.HasIndex(o => o.PublicId, "IX_Organizations_PublicId_Trgm")
                .HasMethod("gin").HasOperators("gin_trgm_ops");
        });
        builder.Entity<Partner>(e => e.Property(p => p.Path).UseCollation("C"));

        // Maintained tab counts (Counting/README.md): the trigger that fills the deltas is
        // installed by the migration that adds these tables.
        builder.Entity<OrganizationCount>(e =>
        {
            e.ToTable("OrganizationCounts");
            e.HasKey(c => new { c.PartnerId, c.Status, c.PlanType, c.CredentialError });
            e.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(c => c.PlanType).HasConversion<string>().HasMaxLength(16);
        });
        builder.Entity<OrganizationCountDelta>(e =>
        {
            e.ToTable("OrganizationCountDeltas");
            e.HasKey(d => d.Id);
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(d => d.PlanType).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(d => d.PartnerId);
        });
    }
}
