using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Exports;

public enum CsvExportState
{
    Queued = 0,
    Running = 1,
    Ready = 2,
    Failed = 3,
}

/// What the Organizations page showed when the export was asked for: the tab, the search and the
/// filters. <see cref="GroupMemberId"/> is the requesting Administrator when it only sees its groups.
public sealed record OrganizationExportQuery(
    OrganizationStatus Status, string Search, PlanType? PlanType, bool NeedAuthenticationOnly, Guid? GroupMemberId = null);

public sealed record ExportNotRunnable(CsvExportState State)
    : Error("export_not_runnable", $"This export is {State.ToString().ToLowerInvariant()} and cannot be started.");

/// A CSV file of the Organizations page built in the background. It is saved as Queued before the
/// page says so, so a crash loses nothing: a job claims queued exports (and running ones whose lease
/// ran out: their node died), streams the rows to a file, and marks the export ready with the
/// "ready" mail in the same save. The download link works for <see cref="LinkLifetime"/> after that.
public sealed class CsvExport
{
    public const int MaxSearchLength = 200;
    public const int MaxNameLength = 256;
    public const int MaxFileNameLength = 200;
    public const int MaxErrorLength = 2000;

    /// Attempts after which an export that keeps dying is given up.
    public const int MaxAttempts = 3;

    public static readonly TimeSpan LinkLifetime = TimeSpan.FromDays(7);

    private CsvExport()
    {
        Search = "";
        RequestedByName = "";
        RequestedByEmail = "";
    }

    public Guid Id { get; private set; }

    /// The partner whose portal asked; its users (and those of partners above it) may download.
    public Guid PartnerId { get; private set; }

    public Guid RequestedByUserId { get; private set; }

    public string RequestedByName { get; private set; }

    public string RequestedByEmail { get; private set; }

    public OrganizationStatus Status { get; private set; }

    public string Search { get; private set; }

    public PlanType? PlanType { get; private set; }

    public bool NeedAuthenticationOnly { get; private set; }

    /// Set when the requester was an Administrator limited to its groups' organizations.
    public Guid? GroupMemberId { get; private set; }

    public CsvExportState State { get; private set; }

    /// How many rows the confirmation counted (the file may differ if organizations changed meanwhile).
    public int ExpectedRows { get; private set; }

    /// Rows written so far; the final count once ready.
    public long RowsSoFar { get; private set; }

    /// The name people see (and the download's name), e.g. "Active Organization Acme IT 2026-11-22 2130.csv".
    public string? FileName { get; private set; }

    public long? SizeBytes { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    /// While running: the node working on it renews this; once passed, another run may take the export over.
    public DateTimeOffset? LeaseUntil { get; private set; }

    public int Attempts { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    /// Ready + <see cref="LinkLifetime"/>.
    public DateTimeOffset? ExpiresAt { get; private set; }

    /// When the job removed the file of an expired export.
    public DateTimeOffset? FileDeletedAt { get; private set; }

    public string? Error { get; private set; }

    public int Version { get; private set; }

    public OrganizationExportQuery Query => new(Status, Search, PlanType, NeedAuthenticationOnly, GroupMemberId);

    public bool IsExpired(DateTimeOffset now) => State == CsvExportState.Ready && ExpiresAt is { } expires && now >= expires;

    public bool IsDownloadable(DateTimeOffset now) => State == CsvExportState.Ready && !IsExpired(now) && FileDeletedAt is null;

    /// Whether a run may start (or take over) this export now.
    public bool IsClaimable(DateTimeOffset now) =>
        State == CsvExportState.Queued || (State == CsvExportState.Running && (LeaseUntil is null || LeaseUntil <= now));

    public static CsvExport Request(
        Guid partnerId, Guid userId, string userName, string userEmail, OrganizationExportQuery query, int expectedRows, DateTimeOffset now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            PartnerId = partnerId,
            RequestedByUserId = userId,
            RequestedByName = Cut(userName, MaxNameLength),
            RequestedByEmail = userEmail,
            Status = query.Status,
            Search = Cut(query.Search.Trim(), MaxSearchLength),
            PlanType = query.PlanType,
            NeedAuthenticationOnly = query.NeedAuthenticationOnly,
            GroupMemberId = query.GroupMemberId,
            State = CsvExportState.Queued,
            ExpectedRows = expectedRows,
            CreatedAt = now,
        };

    /// Claims the export for one run: Running, rows from zero, a lease until <paramref name="leaseUntil"/>.
    /// An export whose runs keep dying fails after <see cref="MaxAttempts"/>.
    public Result Start(string fileName, DateTimeOffset now, DateTimeOffset leaseUntil)
    {
        if (!IsClaimable(now))
        {
            return new ExportNotRunnable(State);
        }

        Version++;
        if (Attempts >= MaxAttempts)
        {
            Finish(CsvExportState.Failed, now);
            Error = $"The export was interrupted {Attempts} times and was given up.";
            return Result.Ok;
        }

        Attempts++;
        State = CsvExportState.Running;
        StartedAt = now;
        LeaseUntil = leaseUntil;
        RowsSoFar = 0;
        FileName = Cut(fileName, MaxFileNameLength);
        return Result.Ok;
    }

    /// Rows written so far, and a renewed lease.
    public void RecordProgress(long rows, DateTimeOffset leaseUntil)
    {
        RowsSoFar = rows;
        LeaseUntil = leaseUntil;
        Version++;
    }

    public void Complete(long rows, long sizeBytes, DateTimeOffset now)
    {
        RowsSoFar = rows;
        SizeBytes = sizeBytes;
        Finish(CsvExportState.Ready, now);
        ExpiresAt = now + LinkLifetime;
        Version++;
    }

    public void Fail(string error, DateTimeOffset now)
    {
        Error = Cut(error, MaxErrorLength);
        Finish(CsvExportState.Failed, now);
        Version++;
    }

    public void FileDeleted(DateTimeOffset now)
    {
        FileDeletedAt = now;
        Version++;
    }

    private void Finish(CsvExportState state, DateTimeOffset now)
    {
        State = state;
        FinishedAt = now;
        LeaseUntil = null;
    }

    /// "Active Organization Acme IT 2026-11-22 2130.csv": the tab's status, "Organization", the
    /// partner's name and the UTC generation time. Characters no file system takes in a name (path
    /// separators, reserved punctuation, control characters) become spaces, runs of spaces one.
    public static string FileNameFor(OrganizationStatus status, string partnerName, DateTimeOffset generatedAt)
    {
        var stamp = generatedAt.UtcDateTime.ToString("yyyy-MM-dd HHmm", System.Globalization.CultureInfo.InvariantCulture);
        var partner = new System.Text.StringBuilder(partnerName.Length);
        foreach (var c in partnerName)
        {
            var unsafeChar = char.IsControl(c) || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|';
            partner.Append(unsafeChar || char.IsWhiteSpace(c) ? ' ' : c);
        }

        var name = string.Join(' ', partner.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)).Trim('.', ' ');
        if (name.Length > 120)
        {
            name = name[..(char.IsHighSurrogate(name[119]) ? 119 : 120)].TrimEnd('.', ' ');
        }

        return name.Length == 0
            ? $"{status} Organization {stamp}.csv"
            : $"{status} Organization {name} {stamp}.csv";
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}
