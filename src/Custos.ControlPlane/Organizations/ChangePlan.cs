using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Moves an organization to another plan that its partner offers; the domain decides which type
/// changes are allowed (same type, or Backup up to Archiver). An upgrade to Archiver brings the
/// organization its journal address.
public sealed class ChangePlan(AppDbContext db, OrganizationCommands commands, IJournalAddressGenerator journal)
{
    public async Task<Result> HandleAsync(OrganizationCommand command, Guid planId, CancellationToken ct)
    {
        var org = await db.InScope(command.Scope).AsNoTracking()
            .Where(o => o.Id == command.OrganizationId)
            .Select(o => new { o.PartnerId })
            .SingleOrDefaultAsync(ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        var plan = await PlanLookup.OfferedPlanAsync(db, org.PartnerId, planId, ct);
        if (plan is null)
        {
            return new PlanNotOffered();
        }

        return await commands.RunAsync(command, AuditEventType.OrganizationPlanChanged, (o, now) => o.ChangePlan(plan, now, journal), ct);
    }
}
