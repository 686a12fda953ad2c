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
/// it is audited there, once, as a backup event naming the mailbox (BackupSourceInError / BackupSourceCleared),
/// in the same SaveChanges as the change.
public sealed class BackupSourceReports(AppDbContext db, RecordSourceState record) : ISourceStateReports
{
    public async Task<Result<bool>> RecordAsync(Guid organizationId, SourceKind kind, string label, SourceState state, string? mailbox, CancellationToken ct)
    {
        var normalized = CredentialSource.NormalizeLabel(label);
        var before = await db.CredentialSources.AsNoTracking()
            .Where(s => s.OrganizationId == organizationId && s.Kind == kind && s.Label == normalized)
            .Select(s => (BackupStatus?)s.Status)
            .SingleOrDefaultAsync(ct);
        var recorded = await record.HandleAsync(
            new RecordSourceStateRequest(Scope.Everything, Actor.System, organizationId, kind, label, state, BackupMailbox: mailbox ?? ""), ct);
        if (recorded.Error is not null)
        {
            return recorded.Error;
        }

        return (before == BackupStatus.Error) != (state.Status == BackupStatus.Error);
    }
}
