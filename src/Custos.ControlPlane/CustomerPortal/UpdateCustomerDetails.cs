using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.CustomerPortal;

/// Account Settings: the signed-in person's own first and last name. Refused while the organization's
/// portal is read-only (Unsubscribed) or closed (Suspended, Deleted).
public sealed class UpdateCustomerDetails(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(Guid accountId, Actor actor, string? firstName, string? lastName, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var account = await db.LoginAccounts.SingleOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null)
        {
            return new NotFound("The login account");
        }

        var org = await db.Organizations.AsNoTracking().Where(o => o.Id == account.OrganizationId)
            .Select(o => new { o.Status, o.PartnerId }).SingleAsync(ct);
        if (CustomerSignIns.WhyNot(org.Status) is { } closed)
        {
            return closed;
        }

        if (CustomerSignIns.IsReadOnly(org.Status))
        {
            return new CustomerReadOnly();
        }

        var before = JsonSerializer.Serialize(new { firstName = account.FirstName, lastName = account.LastName });
        var changed = account.UpdateNames(firstName, lastName);
        if (changed.Error is not null)
        {
            return changed.Error;
        }

        db.AuditEntries.Add(AuditEntry.For(AuditEventType.CustomerDetailsUpdated, actor, now, org.PartnerId, account.OrganizationId,
            before, JsonSerializer.Serialize(new { firstName = account.FirstName, lastName = account.LastName })));
        return await OrganizationCommands.SaveAsync(db, ct);
    }
}
