namespace Custos.Domain.Organizations;

public enum SourceKind
{
    Imap,
    Microsoft365,
    GoogleWorkspace,
}

/// How the last backup runs of a source went.
public enum BackupStatus
{
    /// Connected; no backup has run yet.
    NeverRun,

    Healthy,

    /// The last run finished with some mailboxes or items skipped; backups still run.
    Warning,

    /// Backups cannot run until someone acts (e.g. re-enters a password): "Need Authentication".
    Error,
}

/// What the data plane reports about one source after a run (or when connecting it).
public sealed record SourceState(
    int Accounts,
    BackupStatus Status,
    DateTimeOffset? LastBackupAt,
    string? ActionNeeded,
    bool HasAdminCredentials = false);

/// One connected source of an organization's mail: an IMAP server, a Microsoft 365 tenant or a
/// Google Workspace domain. The organization's "Need Authentication" flag and its Microsoft 365
/// admin credentials follow its sources through <see cref="Organization.ReflectCredentialSources"/>.
public sealed class CredentialSource
{
    public const int MaxLabelLength = 253;
    public const int MaxActionLength = 500;

    private CredentialSource()
    {
        Label = "";
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public SourceKind Kind { get; private set; }

    /// The domain (Microsoft 365, Google Workspace) or IMAP host, lower case.
    public string Label { get; private set; }

    public int Accounts { get; private set; }

    public BackupStatus Status { get; private set; }

    public DateTimeOffset? LastBackupAt { get; private set; }

    /// What someone must do to end the error, e.g. "Re-enter the IMAP password"; only while in error.
    public string? ActionNeeded { get; private set; }

    /// Microsoft 365 only: the tenant's admin credentials are present (AD group backup needs them).
    public bool HasAdminCredentials { get; private set; }

    public DateTimeOffset ConnectedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public bool IsInError => Status == BackupStatus.Error;

    public static string NormalizeLabel(string? label) => (label ?? "").Trim().ToLowerInvariant();

    public static Result<CredentialSource> Connect(Organization organization, SourceKind kind, string? label, SourceState state, DateTimeOffset now)
    {
        if (organization.Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        var normalized = NormalizeLabel(label);
        if (normalized.Length == 0 || normalized.Length > MaxLabelLength || TextKey.HasControlCharacters(normalized)
            || normalized.Any(char.IsWhiteSpace))
        {
            return new ValidationFailed("label", $"The domain or host must be 1 to {MaxLabelLength} characters without spaces.");
        }

        if (!Enum.IsDefined(kind))
        {
            return new ValidationFailed("kind", "Choose IMAP, Microsoft 365 or Google Workspace.");
        }

        var source = new CredentialSource
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organization.Id,
            Kind = kind,
            Label = normalized,
            Status = BackupStatus.NeverRun,
            ConnectedAt = now,
            UpdatedAt = now,
        };
        var recorded = source.Record(state, now);
        return recorded.Error is null ? source : recorded.Error;
    }

    /// Takes the state of the latest run. Returns true when the status (or the admin credentials)
    /// changed, which is what the audit records; a routine healthy run is not audited.
    public Result<bool> Record(SourceState state, DateTimeOffset now)
    {
        if (state.Accounts < 0)
        {
            return new ValidationFailed("accounts", "The number of accounts cannot be negative.");
        }

        if (!Enum.IsDefined(state.Status))
        {
            return new ValidationFailed("status", "Unknown backup status.");
        }

        var action = string.IsNullOrWhiteSpace(state.ActionNeeded) ? null : state.ActionNeeded.Trim();
        if (state.Status == BackupStatus.Error && action is null)
        {
            return new ValidationFailed("actionNeeded", "A source in error must say what to do about it.");
        }

        if (action is { Length: > MaxActionLength })
        {
            return new ValidationFailed("actionNeeded", $"The action needed must be at most {MaxActionLength} characters.");
        }

        if (state.HasAdminCredentials && Kind != SourceKind.Microsoft365)
        {
            return new ValidationFailed("hasAdminCredentials", "Only a Microsoft 365 source has admin credentials.");
        }

        var changed = state.Status != Status || state.HasAdminCredentials != HasAdminCredentials;
        Accounts = state.Accounts;
        Status = state.Status;
        LastBackupAt = state.LastBackupAt ?? LastBackupAt;
        ActionNeeded = state.Status == BackupStatus.Error ? action : null;
        HasAdminCredentials = state.HasAdminCredentials;
        UpdatedAt = now;
        return changed;
    }
}
