using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Gives an Archiver organization a new journal address (the old one stops receiving mail at once),
/// or its first one when it was created before journaling existed. Any other plan is refused and
/// nothing changes.
public sealed class RegenerateJournalAddress(AppDbContext db, TimeProvider clock, IJournalAddressGenerator journal)
{
    public async Task<Result<string>> HandleAsync(OrganizationCommand command, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(command.Scope).SingleOrDefaultAsync(o => o.Id == command.OrganizationId, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        if (command.ExpectedVersion is { } expected && expected != org.Version)
        {
            return new ConcurrentChange();
        }

        var old = org.JournalAddress;
        var changed = org.RegenerateJournalAddress(journal, now);
        if (changed.Error is not null)
        {
            return changed.Error;
        }

        db.AuditEntries.Add(AuditEntry.For(
            old is null ? AuditEventType.JournalAddressAssigned : AuditEventType.JournalAddressRegenerated,
            command.Actor, now, org.PartnerId, org.Id,
            old is null ? null : JsonSerializer.Serialize(new { journalAddress = old }),
            JsonSerializer.Serialize(new { journalAddress = changed.Value })));
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error ?? (Result<string>)changed.Value!;
    }
}
