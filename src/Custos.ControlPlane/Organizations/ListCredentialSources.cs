using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

public sealed record CredentialSourceRow(
    Guid Id, SourceKind Kind, string Label, int Accounts, BackupStatus Status, DateTimeOffset? LastBackupAt,
    string? ActionNeeded, bool HasAdminCredentials, DateTimeOffset ConnectedAt);

/// The Credentials tab: an organization's sources, those in error first, then by kind and label.
public sealed class ListCredentialSources(AppDbContext db)
{
    public async Task<Result<CredentialSourceRow[]>> HandleAsync(Scope scope, Guid organizationId, CancellationToken ct)
    {
        if (!await db.InScope(scope).AnyAsync(o => o.Id == organizationId, ct))
        {
            return new NotFound("The organization");
        }

        var rows = await db.CredentialSources.AsNoTracking()
            .Where(c => c.OrganizationId == organizationId)
            .Select(c => new CredentialSourceRow(
                c.Id, c.Kind, c.Label, c.Accounts, c.Status, c.LastBackupAt, c.ActionNeeded, c.HasAdminCredentials, c.ConnectedAt))
            .ToListAsync(ct);
        return rows
            .OrderByDescending(r => r.Status == BackupStatus.Error)
            .ThenBy(r => r.Kind)
            .ThenBy(r => r.Label, StringComparer.Ordinal)
            .ToArray();
    }
}
