using Custos.Domain.Audit;

namespace Custos.Domain.Transfers;

public enum TransferStatus
{
    Pending = 1,
    Approved = 2,
    Rejected = 3,
    Cancelled = 4,
    Executed = 5,
}

/// A request to move an organization to another partner (see README.md beside this file).
/// Pending → Approved → Executed at the cut-off; Pending → Rejected(reason); Pending or Approved →
/// Cancelled before the cut-off. Only one request per organization is open (Pending or Approved)
/// at a time; the database keeps that with a filtered unique index.
public sealed class Transfer
{
    public const int MaxReasonLength = 500;
    public const int MaxNameLength = 256;

    private Transfer()
    {
        RequestedById = "";
        RequestedByName = "";
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public Guid FromPartnerId { get; private set; }

    public Guid ToPartnerId { get; private set; }

    public TransferStatus Status { get; private set; }

    public DateTimeOffset RequestedAt { get; private set; }

    public string RequestedById { get; private set; }

    public string RequestedByName { get; private set; }

    public string? RequestedByImpersonatorName { get; private set; }

    public DateTimeOffset? DecidedAt { get; private set; }

    public string? DecidedByName { get; private set; }

    public string? Reason { get; private set; }

    /// The cut-off: the first day of the month after approval (UTC). Set on approval.
    public DateTimeOffset? EffectiveAt { get; private set; }

    public DateTimeOffset? CancelledAt { get; private set; }

    public DateTimeOffset? ExecutedAt { get; private set; }

    /// Bumped by every change; two racing decisions cannot both win.
    public int Version { get; private set; }

    public bool IsOpen => Status is TransferStatus.Pending or TransferStatus.Approved;

    public static Transfer Request(Guid organizationId, Guid fromPartnerId, Guid toPartnerId, Actor actor, DateTimeOffset now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organizationId,
            FromPartnerId = fromPartnerId,
            ToPartnerId = toPartnerId,
            Status = TransferStatus.Pending,
            RequestedAt = now,
            RequestedById = Clip(actor.Id, 64),
            RequestedByName = Clip(actor.Name, MaxNameLength),
            RequestedByImpersonatorName = actor.ImpersonatorName is null ? null : Clip(actor.ImpersonatorName, MaxNameLength),
        };

    /// The first instant of the month after <paramref name="at"/> (UTC).
    public static DateTimeOffset CutOffAfter(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
    }

    public Result Approve(Actor operatorActor, DateTimeOffset now)
    {
        if (Status != TransferStatus.Pending)
        {
            return new TransferNotPending(Status);
        }

        Status = TransferStatus.Approved;
        DecidedAt = now;
        DecidedByName = Clip(operatorActor.Name, MaxNameLength);
        EffectiveAt = CutOffAfter(now);
        Version++;
        return Result.Ok;
    }

    public Result Reject(Actor operatorActor, string? reason, DateTimeOffset now)
    {
        var trimmed = reason?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return new ValidationFailed("reason", "Give the reason for the rejection; the requester sees it.");
        }

        if (trimmed.Length > MaxReasonLength || TextKey.HasControlCharacters(trimmed))
        {
            return new ValidationFailed("reason", $"The reason must be at most {MaxReasonLength} characters of plain text.");
        }

        if (Status != TransferStatus.Pending)
        {
            return new TransferNotPending(Status);
        }

        Status = TransferStatus.Rejected;
        DecidedAt = now;
        DecidedByName = Clip(operatorActor.Name, MaxNameLength);
        Reason = trimmed;
        Version++;
        return Result.Ok;
    }

    /// The requester or the organization withdraws the request: while pending, or once approved
    /// strictly before the cut-off.
    public Result Cancel(DateTimeOffset now)
    {
        if (!IsOpen)
        {
            return new TransferNotOpen(Status);
        }

        if (EffectiveAt is { } cutOff && now >= cutOff)
        {
            return new TransferPastCutOff(cutOff);
        }

        Status = TransferStatus.Cancelled;
        CancelledAt = now;
        Version++;
        return Result.Ok;
    }

    public bool IsDue(DateTimeOffset now) => Status == TransferStatus.Approved && EffectiveAt is { } cutOff && now >= cutOff;

    /// Marks the transfer done; the caller moves the organization in the same unit of work.
    public Result MarkExecuted(DateTimeOffset now)
    {
        if (!IsDue(now))
        {
            return new TransferNotDue();
        }

        Status = TransferStatus.Executed;
        ExecutedAt = now;
        Version++;
        return Result.Ok;
    }

    /// An approved transfer that can no longer happen at the cut-off (the target stopped offering
    /// the plan type, was deactivated, or the organization was deleted) ends rejected by the system.
    public void FailAtCutOff(string reason, DateTimeOffset now)
    {
        Status = TransferStatus.Rejected;
        DecidedAt = now;
        DecidedByName = Actor.System.Name;
        Reason = Clip(reason, MaxReasonLength);
        Version++;
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}
