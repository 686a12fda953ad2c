namespace Custos.Domain.Organizations;

public enum OrganizationStatus
{
    Active = 1,
    Suspended = 2,
    Unsubscribed = 3,
    Deleted = 4,
}

/// What a Delete command did: it may wait for the Data Protection Officer, or for WORM retention
/// to expire before the data can be purged.
public enum DeleteOutcome
{
    Deleted = 1,
    AwaitingDpoApproval = 2,
    DeletedPurgeAfterRetention = 3,
}

/// The destructive action a Data Protection Officer has been asked to approve.
public enum PendingDpoAction
{
    None = 0,
    Delete = 1,
    Purge = 2,
}

/// One row per organization per UTC day: the state after the last change of that day.
public sealed class SubscriptionHistoryEntry
{
    private SubscriptionHistoryEntry()
    {
    }

    public long Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public DateOnly Day { get; private set; }

    public Guid PlanId { get; private set; }

    public Plans.PlanType PlanType { get; private set; }

    public int? Seats { get; private set; }

    public bool AutoLicense { get; private set; }

    public OrganizationStatus Status { get; private set; }

    public DateTimeOffset RecordedAt { get; private set; }

    internal static SubscriptionHistoryEntry Of(Organization o, DateOnly day, DateTimeOffset now)
    {
        var entry = new SubscriptionHistoryEntry { OrganizationId = o.Id, Day = day };
        entry.CopyFrom(o, now);
        return entry;
    }

    internal void CopyFrom(Organization o, DateTimeOffset now)
    {
        PlanId = o.PlanId;
        PlanType = o.PlanType;
        Seats = o.Seats;
        AutoLicense = o.AutoLicense;
        Status = o.Status;
        RecordedAt = now;
    }
}
