using Custos.Domain.Organizations;

namespace Custos.Domain.Backup;

/// Checks that a mailbox can be opened with the given settings, without changing anything in it.
/// The data plane implements it over IMAP.
public interface IImapProbe
{
    Task<ImapProbeResult> ProbeAsync(ImapEndpoint endpoint, CancellationToken ct);
}

/// What a connection test found: the mailbox's folders and messages, or what is wrong and which
/// field of the form to fix (Host, Port, Security, UserName or Password).
public sealed record ImapProbeResult(string? FailedField, string? Failure, int Folders, int Messages)
{
    public bool IsSuccess => Failure is null;

    public static ImapProbeResult Found(int folders, int messages) => new(null, null, folders, messages);
}

/// Encrypts secrets that must be used again later (a mailbox password), so the database alone
/// does not reveal them. The host implements it with its key ring.
public interface ISecretProtector
{
    string Protect(string secret);

    string Unprotect(string protectedSecret);
}

/// One IMAP mailbox an organization backs up: where it is, who signs in, and the password kept
/// encrypted. Each mailbox has a login account of its own (so it counts as a seat in use) and
/// belongs to the organization's IMAP source for its host.
public sealed class ImapMailbox
{
    public const int MaxProtectedPasswordLength = 4000;

    private ImapMailbox()
    {
        Host = "";
        UserName = "";
        UserNameNormalized = "";
        ProtectedPassword = "";
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public Guid CredentialSourceId { get; private set; }

    public Guid LoginAccountId { get; private set; }

    public string Host { get; private set; }

    public int Port { get; private set; }

    public ImapSecurity Security { get; private set; }

    public string UserName { get; private set; }

    /// Lower-case user name: one mailbox per (organization, host, user).
    public string UserNameNormalized { get; private set; }

    /// The password as <see cref="ISecretProtector"/> encrypted it.
    public string ProtectedPassword { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public int Version { get; private set; }

    public static string Normalize(string userName) => userName.Trim().ToLowerInvariant();

    /// The endpoint to connect to, with the password decrypted.
    public ImapEndpoint Endpoint(ISecretProtector secrets) => new(Host, Port, Security, UserName, secrets.Unprotect(ProtectedPassword));

    public static Result<ImapMailbox> Connect(
        Organization organization, CredentialSource source, LoginAccount account, ImapEndpoint endpoint, string protectedPassword, DateTimeOffset now)
    {
        var refused = CanChange(organization);
        if (refused is not null)
        {
            return refused;
        }

        if (source.OrganizationId != organization.Id || account.OrganizationId != organization.Id || source.Kind != SourceKind.Imap)
        {
            throw new InvalidOperationException("The source and the login account must be the organization's own, and the source an IMAP one.");
        }

        var errors = endpoint.Validate();
        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        var mailbox = new ImapMailbox
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organization.Id,
            CredentialSourceId = source.Id,
            LoginAccountId = account.Id,
            CreatedAt = now,
        };
        mailbox.Apply(endpoint, protectedPassword, now);
        return mailbox;
    }

    /// New settings or a re-entered password for the same mailbox (same host and user).
    public Result Update(Organization organization, ImapEndpoint endpoint, string protectedPassword, DateTimeOffset now)
    {
        var refused = CanChange(organization);
        if (refused is not null)
        {
            return refused;
        }

        var errors = endpoint.Validate();
        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        Apply(endpoint, protectedPassword, now);
        Version++;
        return Result.Ok;
    }

    private static Error? CanChange(Organization organization) => organization.Status switch
    {
        OrganizationStatus.Deleted => new AlreadyDeleted(),
        OrganizationStatus.Unsubscribed => new ValidationFailed("Host", "The organization is unsubscribed: its backups have stopped, so no mailbox can be connected. Reactivate it first."),
        _ => null,
    };

    private void Apply(ImapEndpoint endpoint, string protectedPassword, DateTimeOffset now)
    {
        if (protectedPassword.Length is 0 or > MaxProtectedPasswordLength)
        {
            throw new ArgumentException("The protected password is empty or too long.", nameof(protectedPassword));
        }

        Host = endpoint.Host.Trim().ToLowerInvariant();
        Port = endpoint.Port;
        Security = endpoint.Security;
        UserName = endpoint.UserName.Trim();
        UserNameNormalized = Normalize(endpoint.UserName);
        ProtectedPassword = protectedPassword;
        UpdatedAt = now;
    }
}
