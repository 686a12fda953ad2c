using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

public sealed record JournalDetails(string? Address, int Version);

/// The Journaling tab of an Archiver organization. Any other plan has no journaling.
public sealed class GetJournal(AppDbContext db)
{
    public async Task<Result<JournalDetails>> HandleAsync(Scope scope, Guid organizationId, CancellationToken ct)
    {
        var org = await db.InScope(scope).AsNoTracking()
            .Where(o => o.Id == organizationId)
            .Select(o => new { o.PlanType, o.JournalAddress, o.Version })
            .SingleOrDefaultAsync(ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        return org.PlanType == PlanType.Archiver ? new JournalDetails(org.JournalAddress, org.Version) : new JournalingArchiverOnly();
    }
}
