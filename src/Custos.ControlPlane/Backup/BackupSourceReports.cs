using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Backup;

/// What backup runs report about sources, recorded as the system through <see cref="RecordSourceState"/>
/// (which keeps "Need Authentication" in line with the sources). A source going into error or out of
/// it is also audited as a backup event naming the mailbox.
public sealed class BackupSourceReports(AppDbContext db, RecordSourceState record, TimeProvider clock) : ISourceStateReports
{
    public async Task<Result<bool>> RecordAsync(Guid organizationId, SourceKind kind, string label, SourceState state, string? mailbox, CancellationToken ct)
    {
        var normalized = CredentialSource.NormalizeLabel(label);
        var before = await db.CredentialSources.AsNoTracking()
            .Where(s => s.OrganizationId == organizationId && s.Kind == kind && s.Label == normalized)
            .Select(s => (BackupStatus?)s.Status)
            .SingleOrDefaultAsync(ct);
        var recorded = await record.HandleAsync(new RecordSourceStateRequest(Scope.Everything, Actor.System, organizationId, kind, label, state), ct);
        if (recorded.Error is not null)
        {
            return recorded.Error;
        }

        var wasInError = before == BackupStatus.Error;
        var isInError = state.Status == BackupStatus.Error;
        if (wasInError == isInError)
        {
            return false;
        }

        var org = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => new { o.PartnerId }).SingleAsync(ct);
        var detail = JsonSerializer.Serialize(new { source = recorded.Value, kind = kind.ToString(), label = normalized, mailbox, actionNeeded = state.ActionNeeded });
        db.AuditEntries.Add(AuditEntry.For(
            isInError ? AuditEventType.BackupSourceInError : AuditEventType.BackupSourceCleared,
            Actor.System, clock.GetUtcNow(), org.PartnerId, organizationId, isInError ? null : detail, isInError ? detail : null));
        await db.SaveChangesAsync(ct);
        return true;
    }
}
