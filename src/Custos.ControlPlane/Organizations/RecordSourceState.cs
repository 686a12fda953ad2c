using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// <paramref name="BackupMailbox"/>: set when a backup run reports, naming the mailbox(es) the report is about.
public sealed record RecordSourceStateRequest(
    Scope Scope, Actor Actor, Guid OrganizationId, SourceKind Kind, string? Label, SourceState State, string? BackupMailbox = null);

/// What the data plane reports about one source of an organization after a run (connecting it on the
/// first report). This is the one place sources change, so it is where the organization's
/// "Need Authentication" flag and Microsoft 365 admin credentials are brought in line with all of its
/// sources, in the same SaveChanges. A new source and a change of status are audited, with one entry:
/// a backup run's report of a source going into error or out of it is <see cref="AuditEventType.BackupSourceInError"/>
/// or <see cref="AuditEventType.BackupSourceCleared"/> naming the mailbox; any other change of status is
/// <see cref="AuditEventType.CredentialSourceStatusChanged"/>. A routine run that changes only counts and
/// times is not audited. Every entry's After holds the source's new <c>status</c>.
public sealed class RecordSourceState(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<Guid>> HandleAsync(RecordSourceStateRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(request.Scope).SingleOrDefaultAsync(o => o.Id == request.OrganizationId, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        if (org.Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        var sources = await db.CredentialSources.Where(c => c.OrganizationId == org.Id).ToListAsync(ct);
        var label = CredentialSource.NormalizeLabel(request.Label);
        var source = sources.SingleOrDefault(c => c.Kind == request.Kind && c.Label == label);
        if (source is null)
        {
            var connected = CredentialSource.Connect(org, request.Kind, label, request.State, now);
            if (connected.Error is not null)
            {
                return connected.Error;
            }

            source = connected.Value!;
            sources.Add(source);
            db.CredentialSources.Add(source);
            db.AuditEntries.Add(AuditEntry.For(
                AuditEventType.CredentialSourceConnected, request.Actor, now, org.PartnerId, org.Id, null, Describe(source)));
        }
        else
        {
            var before = Describe(source);
            var wasInError = source.Status == BackupStatus.Error;
            var recorded = source.Record(request.State, now);
            if (recorded.Error is not null)
            {
                return recorded.Error;
            }

            if (recorded.Value)
            {
                var isInError = source.Status == BackupStatus.Error;
                var type = request.BackupMailbox is null || wasInError == isInError ? AuditEventType.CredentialSourceStatusChanged
                    : isInError ? AuditEventType.BackupSourceInError
                    : AuditEventType.BackupSourceCleared;
                db.AuditEntries.Add(AuditEntry.For(type, request.Actor, now, org.PartnerId, org.Id, before, Describe(source, request.BackupMailbox)));
            }
        }

        org.ReflectCredentialSources(sources);
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error ?? (Result<Guid>)source.Id;
    }

    private static string Describe(CredentialSource s) => JsonSerializer.Serialize(new
    {
        source = s.Id,
        kind = s.Kind.ToString(),
        s.Label,
        status = s.Status.ToString(),
        s.ActionNeeded,
        s.HasAdminCredentials,
    });

    private static string Describe(CredentialSource s, string? mailbox) => mailbox is null ? Describe(s) : JsonSerializer.Serialize(new
    {
        source = s.Id,
        kind = s.Kind.ToString(),
        s.Label,
        status = s.Status.ToString(),
        s.ActionNeeded,
        s.HasAdminCredentials,
        mailbox,
    });
}
