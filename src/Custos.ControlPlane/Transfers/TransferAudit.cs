using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

/// Audit entries and saving shared by the transfer use cases.
internal static class TransferAudit
{
    /// One entry on the organization's current partner (the side that requested it).
    public static async Task AddAsync(AppDbContext db, AuditEventType type, Actor actor, DateTimeOffset now, Transfer t, CancellationToken ct)
    {
        var partners = await db.Partners.AsNoTracking().Where(p => p.Id == t.FromPartnerId || p.Id == t.ToPartnerId).ToListAsync(ct);
        var from = partners.Single(p => p.Id == t.FromPartnerId);
        var to = partners.Single(p => p.Id == t.ToPartnerId);
        db.AuditEntries.Add(AuditEntry.For(type, actor, now, t.FromPartnerId, t.OrganizationId, null, TransferRights.Describe(t, from, to)));
    }

    public static async Task<Result> SaveAsync(AppDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return Result.Ok;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new TransferChangedMeanwhile();
        }
        catch (DbUpdateException e) when (DbErrors.UniqueIndexViolated(e) is not null)
        {
            db.ChangeTracker.Clear();
            return new TransferChangedMeanwhile();
        }
    }
}
