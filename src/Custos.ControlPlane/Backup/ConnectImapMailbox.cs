using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Backup;

public sealed record ConnectImapMailboxRequest(Scope Scope, Actor Actor, Guid OrganizationId, ImapEndpoint Endpoint);

/// What connecting did: a new mailbox, or new settings for one already connected (same host and user).
public sealed record ImapMailboxConnection(Guid MailboxId, bool Updated, int Folders, int Messages);

/// The mailbox has no seat left to take.
public sealed record NoSeatLeft(int Seats)
    : Error("no_seat_left", $"All {Seats} seats are in use: raise the number of seats or turn on auto license, then connect the mailbox.")
{
    public override string? Field => "UserName";
}

/// Connects an IMAP mailbox to an organization, or re-enters its password: the settings are checked,
/// the mailbox is opened once (read-only) to prove they work, and only then saved, with the password
/// encrypted, the mailbox's login account, the organization's IMAP source for that host and an audit
/// entry in one SaveChanges. "Test connection" is the same check without saving.
public sealed class ConnectImapMailbox(AppDbContext db, IImapProbe probe, ISecretProtector secrets, TimeProvider clock)
{
    /// Checks the settings and opens the mailbox; changes nothing.
    public async Task<Result<ImapProbeResult>> TestAsync(Scope scope, Guid organizationId, ImapEndpoint endpoint, CancellationToken ct)
    {
        var org = await db.InScope(scope).AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        return await ProbeAsync(endpoint, ct);
    }

    public async Task<Result<ImapMailboxConnection>> HandleAsync(ConnectImapMailboxRequest request, CancellationToken ct)
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

        var endpoint = request.Endpoint with { Host = request.Endpoint.Host.Trim().ToLowerInvariant(), UserName = request.Endpoint.UserName.Trim() };
        var host = endpoint.Host;
        var user = ImapMailbox.Normalize(endpoint.UserName);
        var existing = await db.ImapMailboxes.SingleOrDefaultAsync(m => m.OrganizationId == org.Id && m.Host == host && m.UserNameNormalized == user, ct);
        if (existing is null && !org.AutoLicense && org.Seats is { } seats
            && await db.ImapMailboxes.CountAsync(m => m.OrganizationId == org.Id, ct) >= seats)
        {
            return new NoSeatLeft(seats);
        }

        var probed = await ProbeAsync(endpoint, ct);
        if (probed.Error is not null)
        {
            return probed.Error;
        }

        var found = probed.Value!;
        var protectedPassword = secrets.Protect(endpoint.Password);
        if (existing is not null)
        {
            var before = Describe(existing);
            var updated = existing.Update(org, endpoint, protectedPassword, now);
            if (updated.Error is not null)
            {
                return updated.Error;
            }

            db.AuditEntries.Add(AuditEntry.For(AuditEventType.ImapMailboxUpdated, request.Actor, now, org.PartnerId, org.Id, before, Describe(existing)));
            var savedUpdate = await OrganizationCommands.SaveAsync(db, ct);
            return savedUpdate.Error ?? (Result<ImapMailboxConnection>)new ImapMailboxConnection(existing.Id, true, found.Folders, found.Messages);
        }

        var sources = await db.CredentialSources.Where(c => c.OrganizationId == org.Id).ToListAsync(ct);
        var source = sources.SingleOrDefault(c => c.Kind == SourceKind.Imap && c.Label == CredentialSource.NormalizeLabel(host));
        if (source is null)
        {
            var connected = CredentialSource.Connect(org, SourceKind.Imap, host, new SourceState(0, BackupStatus.NeverRun, null, null), now);
            if (connected.Error is not null)
            {
                return connected.Error;
            }

            source = connected.Value!;
            sources.Add(source);
            db.CredentialSources.Add(source);
        }

        var address = endpoint.MailboxAddress;
        var account = await db.LoginAccounts.SingleOrDefaultAsync(a => a.OrganizationId == org.Id && a.EmailNormalized == TextKey.Email(address), ct);
        if (account is null)
        {
            account = LoginAccount.ForMailbox(org, address, now);
            db.LoginAccounts.Add(account);
        }

        var made = ImapMailbox.Connect(org, source, account, endpoint, protectedPassword, now);
        if (made.Error is not null)
        {
            return made.Error;
        }

        var mailbox = made.Value!;
        db.ImapMailboxes.Add(mailbox);
        var accounts = await db.ImapMailboxes.CountAsync(m => m.CredentialSourceId == source.Id, ct) + 1;
        var recorded = source.Record(new SourceState(accounts, source.Status, source.LastBackupAt, source.ActionNeeded), now);
        if (recorded.Error is not null)
        {
            return recorded.Error;
        }

        org.ReflectCredentialSources(sources);
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.ImapMailboxConnected, request.Actor, now, org.PartnerId, org.Id, null, Describe(mailbox)));
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error ?? (Result<ImapMailboxConnection>)new ImapMailboxConnection(mailbox.Id, false, found.Folders, found.Messages);
    }

    private async Task<Result<ImapProbeResult>> ProbeAsync(ImapEndpoint endpoint, CancellationToken ct)
    {
        var errors = endpoint.Validate();
        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        var result = await probe.ProbeAsync(endpoint, ct);
        return result.IsSuccess ? result : new ValidationFailed(result.FailedField ?? nameof(ImapEndpoint.Host), result.Failure!);
    }

    /// Never the password, not even encrypted.
    private static string Describe(ImapMailbox m) => JsonSerializer.Serialize(new
    {
        mailbox = m.Id,
        m.Host,
        m.Port,
        security = m.Security.ToString(),
        m.UserName,
    });
}
