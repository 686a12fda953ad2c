using Custos.Domain.Partners;
using Custos.Domain.Plans;

namespace Custos.Domain.Organizations;

/// A customer whose data a partner backs up. Every rule about its status, plan, seats and
/// destructive actions lives here; see README.md beside this file for the lifecycle.
public sealed class Organization
{
    private readonly List<SubscriptionHistoryEntry> _history = [];

    private Organization()
    {
        PublicId = "";
        Name = "";
        NameNormalized = "";
        OwnerFirstName = "";
        OwnerLastName = "";
        OwnerEmail = "";
        OwnerEmailNormalized = "";
        Country = "";
    }

    public Guid Id { get; private set; }

    /// The immutable ID shown to people ("ORG-…").
    public string PublicId { get; private set; }

    public Guid PartnerId { get; private set; }

    public Guid PlanId { get; private set; }

    public PlanType PlanType { get; private set; }

    public string Name { get; private set; }

    /// <see cref="TextKey.Name"/> of the name: what uniqueness, search and sorting compare.
    public string NameNormalized { get; private set; }

    public string OwnerFirstName { get; private set; }

    public string OwnerLastName { get; private set; }

    public string OwnerEmail { get; private set; }

    public string OwnerEmailNormalized { get; private set; }

    public string Country { get; private set; }

    public bool AutoLicense { get; private set; }

    /// The licensed seats; null on Personal plans and while auto license is on.
    public int? Seats { get; private set; }

    public int SeatsInUse { get; private set; }

    /// What the organization's backups take in storage (packs after deduplication, compression and encryption).
    public long StorageUsedBytes { get; private set; }

    /// The size of the backed-up messages as the sources had them (before deduplication and compression).
    public long StorageLogicalBytes { get; private set; }

    public OrganizationStatus Status { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset StatusChangedAt { get; private set; }

    public DateTimeOffset? UnsubscribedAt { get; private set; }

    /// When the data is purged: unsubscribe time + grace, or, after Delete, at once (or when WORM
    /// retention ends). Only reactivation clears it.
    public DateTimeOffset? PurgeDueAt { get; private set; }

    public DateTimeOffset? DeletedAt { get; private set; }

    public DateTimeOffset? PurgedAt { get; private set; }

    /// The first instant no longer billed; null while billing runs open-ended.
    public DateTimeOffset? BillingEndsAt { get; private set; }

    public bool WormEnabled { get; private set; }

    /// The end of the longest WORM retention on the organization's data, if any.
    public DateTimeOffset? RetentionUntil { get; private set; }

    public bool DpoEnabled { get; private set; }

    public PendingDpoAction PendingDpoAction { get; private set; }

    public DateTimeOffset? DpoApprovedAt { get; private set; }

    /// Set when any credential of the organization is in error ("Need Authentication").
    public bool CredentialError { get; private set; }

    /// Whether a connected Microsoft 365 source holds admin credentials (AD group backup needs them).
    public bool HasMicrosoft365AdminCredentials { get; private set; }

    /// Where journaled mail for an Archiver organization is delivered; null on other plans (and on an
    /// Archiver organization created before journaling existed, until one is assigned).
    public string? JournalAddress { get; private set; }

    /// The largest PST export a download may be, in whole GB (1 to 10).
    public int DownloadLimitGb { get; private set; } = OrganizationFeatures.DefaultDownloadLimitGb;

    /// How many backup runs a day (1 to 12; 3 by default), evenly spaced.
    public int BackupRunsPerDay { get; private set; } = Backup.BackupSchedule.DefaultRunsPerDay;

    public bool AdGroupBackupEnabled { get; private set; }

    public bool InsightsEnabled { get; private set; }

    /// Archiver only.
    public bool ComplianceEnabled { get; private set; }

    public bool InPlaceArchiveBackupEnabled { get; private set; }

    /// Archiver only.
    public bool PrivateChatBackupEnabled { get; private set; }

    /// Optimistic concurrency token: every change bumps it.
    public int Version { get; private set; }

    public IReadOnlyList<SubscriptionHistoryEntry> History => _history;

    public bool IsPurged => PurgedAt is not null;

    /// <paramref name="journal"/> draws the journal address of an Archiver organization.
    public static Result<Organization> Create(
        NewOrganization input, Partner partner, Plan plan, DateTimeOffset now, IJournalAddressGenerator? journal = null)
    {
        var info = OrganizationLimits.Validate(input.Info, plan.Type);
        var license = OrganizationLimits.ValidateLicense(plan.Type, input.AutoLicense, input.Seats);
        if (info.Error is ValidationFailed a && license.Error is { Field: { } licenseField } b)
        {
            // Seats out of range is its own error type; it still belongs beside the other field errors.
            IReadOnlyList<FieldError> more = b is ValidationFailed v ? v.Errors : [new FieldError(licenseField, b.Message)];
            return new ValidationFailed([.. a.Errors, .. more]);
        }

        if (info.Error is not null)
        {
            return info.Error;
        }

        if (license.Error is not null)
        {
            return license.Error;
        }

        var org = new Organization
        {
            Id = Guid.CreateVersion7(now),
            PublicId = PublicIds.NewOrganizationId(),
            PartnerId = partner.Id,
            PlanId = plan.Id,
            PlanType = plan.Type,
            AutoLicense = input.AutoLicense,
            Seats = input.Seats,
            Status = OrganizationStatus.Active,
            CreatedAt = now,
            StatusChangedAt = now,
        };
        org.Apply(info.Value!);
        if (plan.Type == PlanType.Archiver && journal is not null)
        {
            org.JournalAddress = journal.NewAddress();
        }

        org.RecordHistory(now);
        return org;
    }

    public Result UpdatePersonalInfo(PersonalInfo input, DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        var info = OrganizationLimits.Validate(input, PlanType);
        if (info.Error is not null)
        {
            return info.Error;
        }

        var v = info.Value!;
        if (v.FirstName == OwnerFirstName && v.LastName == OwnerLastName && v.Email == OwnerEmail
            && v.Country == Country && v.OrganizationName == Name)
        {
            return new NoChange();
        }

        Apply(v);
        Touch(now, history: false);
        return Result.Ok;
    }

    public Result Suspend(DateTimeOffset now)
    {
        if (Status != OrganizationStatus.Active)
        {
            return NotAllowed("suspended");
        }

        Status = OrganizationStatus.Suspended;
        StatusChangedAt = now;
        Touch(now);
        return Result.Ok;
    }

    /// Unsubscribing keeps the data (read-only for the customer) until now + grace, then purges it;
    /// billing runs until that purge date.
    public Result Unsubscribe(DateTimeOffset now, TimeSpan grace)
    {
        if (Status is not (OrganizationStatus.Active or OrganizationStatus.Suspended))
        {
            return NotAllowed("unsubscribed");
        }

        if (grace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(grace), "The grace window cannot be negative.");
        }

        Status = OrganizationStatus.Unsubscribed;
        StatusChangedAt = now;
        UnsubscribedAt = now;
        PurgeDueAt = now + grace;
        BillingEndsAt = PurgeDueAt;
        Touch(now);
        return Result.Ok;
    }

    /// Back to Active from Suspended, or from Unsubscribed strictly before the purge date.
    public Result Reactivate(DateTimeOffset now)
    {
        switch (Status)
        {
            case OrganizationStatus.Suspended:
                break;
            case OrganizationStatus.Unsubscribed when now >= PurgeDueAt:
                return new PurgeDatePassed(PurgeDueAt!.Value);
            case OrganizationStatus.Unsubscribed:
                UnsubscribedAt = null;
                PurgeDueAt = null;
                BillingEndsAt = null;
                break;
            default:
                return NotAllowed("reactivated");
        }

        Status = OrganizationStatus.Active;
        StatusChangedAt = now;
        ClearDpoRequest();
        Touch(now);
        return Result.Ok;
    }

    /// Deleting stops everything at once; the month of deletion is billed in full and nothing after.
    /// With the Data Protection Officer on, it waits for approval instead; with WORM retention
    /// still running, the purge waits until the retention ends.
    public Result<DeleteOutcome> Delete(DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (DpoEnabled && !(PendingDpoAction == PendingDpoAction.Delete && DpoApprovedAt is not null))
        {
            if (PendingDpoAction == PendingDpoAction.Delete)
            {
                return DeleteOutcome.AwaitingDpoApproval;
            }

            PendingDpoAction = PendingDpoAction.Delete;
            DpoApprovedAt = null;
            Touch(now, history: false);
            return DeleteOutcome.AwaitingDpoApproval;
        }

        // The month of deletion is billed in full, but deleting never bills more than the
        // unsubscription already would have (it ended at the purge date).
        var monthEnd = StartOfNextMonth(now);
        BillingEndsAt = BillingEndsAt is { } unsubscribedEnd && unsubscribedEnd < monthEnd ? unsubscribedEnd : monthEnd;
        Status = OrganizationStatus.Deleted;
        StatusChangedAt = now;
        DeletedAt = now;
        var retained = WormEnabled && RetentionUntil > now;
        PurgeDueAt = retained ? RetentionUntil : now;
        PendingDpoAction = PendingDpoAction.None;
        Touch(now);
        return retained ? DeleteOutcome.DeletedPurgeAfterRetention : DeleteOutcome.Deleted;
    }

    /// The Data Protection Officer approves the pending deletion or purge. An approved deletion takes
    /// effect at once; an approved purge on the purge job's next run.
    public Result<DeleteOutcome?> ApproveByDpo(DateTimeOffset now)
    {
        if (PendingDpoAction == PendingDpoAction.None || DpoApprovedAt is not null)
        {
            return new NothingAwaitsApproval();
        }

        DpoApprovedAt = now;
        if (PendingDpoAction == PendingDpoAction.Delete)
        {
            var deleted = Delete(now);
            return deleted.Error is null ? deleted.Value : deleted.Error;
        }

        Touch(now, history: false);
        return (DeleteOutcome?)null;
    }

    public bool IsPurgeDue(DateTimeOffset now) =>
        PurgedAt is null && PurgeDueAt <= now
        && Status is OrganizationStatus.Unsubscribed or OrganizationStatus.Deleted;

    /// First step of a purge: an Unsubscribed organization whose purge date has passed becomes
    /// Deleted. Returns false when the purge must wait for the Data Protection Officer (and asks
    /// for approval once) or for WORM retention to end. Safe to call again on an organization
    /// already Deleted and not yet purged.
    public Result<bool> BeginPurge(DateTimeOffset now)
    {
        if (PurgedAt is not null)
        {
            return new AlreadyPurged();
        }

        if (!IsPurgeDue(now))
        {
            return new PurgeNotDue();
        }

        if (Status == OrganizationStatus.Unsubscribed)
        {
            if (DpoEnabled && !(PendingDpoAction == PendingDpoAction.Purge && DpoApprovedAt is not null))
            {
                if (PendingDpoAction != PendingDpoAction.Purge)
                {
                    PendingDpoAction = PendingDpoAction.Purge;
                    DpoApprovedAt = null;
                    Touch(now, history: false);
                }

                return false;
            }

            // WORM: data under retention cannot be purged early; as after Delete, the purge waits
            // until the last retention ends (billing still ends at the original purge date).
            var retained = WormEnabled && RetentionUntil > now;
            Status = OrganizationStatus.Deleted;
            StatusChangedAt = now;
            DeletedAt = now;
            PurgeDueAt = retained ? RetentionUntil : PurgeDueAt;
            PendingDpoAction = PendingDpoAction.None;
            Touch(now);
            return !retained;
        }

        return true;
    }

    /// Last step of a purge, after the data itself is destroyed. Happens exactly once.
    public Result CompletePurge(DateTimeOffset now)
    {
        if (PurgedAt is not null)
        {
            return new AlreadyPurged();
        }

        if (Status != OrganizationStatus.Deleted || !(PurgeDueAt <= now))
        {
            return new PurgeNotDue();
        }

        PurgedAt = now;
        StorageUsedBytes = 0;
        StorageLogicalBytes = 0;
        Touch(now, history: false);
        return Result.Ok;
    }

    /// An upgrade to Archiver also gets the organization its journal address from <paramref name="journal"/>.
    public Result ChangePlan(Plan plan, DateTimeOffset now, IJournalAddressGenerator? journal = null)
    {
        var open = RequireOpen("changed to another plan");
        if (!open.IsSuccess)
        {
            return open;
        }

        if (plan.Id == PlanId)
        {
            return new SamePlan();
        }

        if (!Plan.CanChangeType(PlanType, plan.Type))
        {
            return new PlanChangeRefused(PlanType, plan.Type);
        }

        PlanId = plan.Id;
        PlanType = plan.Type;
        if (plan.Type == PlanType.Archiver && JournalAddress is null && journal is not null)
        {
            JournalAddress = journal.NewAddress();
        }

        Touch(now);
        return Result.Ok;
    }

    /// A transfer's execution at its cut-off: the organization moves to <paramref name="partnerId"/>
    /// on that partner's plan of the same type; seats and auto license stay as they are.
    public Result MoveToPartner(Guid partnerId, Plan plan, DateTimeOffset now)
    {
        if (Status is OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (plan.Type != PlanType)
        {
            return new PlanChangeRefused(PlanType, plan.Type);
        }

        PartnerId = partnerId;
        PlanId = plan.Id;
        Touch(now);
        return Result.Ok;
    }

    public Result ChangeSeats(int seats, DateTimeOffset now)
    {
        var open = RequireOpen("given other seats");
        if (!open.IsSuccess)
        {
            return open;
        }

        if (!Plan.HasSeats(PlanType))
        {
            return new NoSeatsOnPersonal();
        }

        if (AutoLicense)
        {
            return new SeatsFixedByAutoLicense();
        }

        if (seats is < 1 or > OrganizationLimits.MaxSeats)
        {
            return new SeatsOutOfRange(OrganizationLimits.MaxSeats);
        }

        if (seats < SeatsInUse)
        {
            return new SeatsBelowUsage(SeatsInUse);
        }

        if (seats == Seats)
        {
            return new NoChange();
        }

        Seats = seats;
        Touch(now);
        return Result.Ok;
    }

    /// Turning auto license on drops the seat number (billing follows peak usage); turning it off
    /// needs a seat number that covers the seats in use.
    public Result SetAutoLicense(bool enabled, int? seats, DateTimeOffset now)
    {
        var open = RequireOpen("given another license mode");
        if (!open.IsSuccess)
        {
            return open;
        }

        if (!Plan.HasSeats(PlanType))
        {
            return new NoSeatsOnPersonal();
        }

        if (enabled == AutoLicense)
        {
            return new NoChange();
        }

        var valid = OrganizationLimits.ValidateLicense(PlanType, enabled, seats);
        if (!valid.IsSuccess)
        {
            return valid;
        }

        if (!enabled && seats < SeatsInUse)
        {
            return new SeatsBelowUsage(SeatsInUse);
        }

        AutoLicense = enabled;
        Seats = enabled ? null : seats;
        Touch(now);
        return Result.Ok;
    }

    /// WORM on forces the Data Protection Officer off (and keeps it off).
    public Result SetWorm(bool enabled, DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        WormEnabled = enabled;
        if (enabled)
        {
            DpoEnabled = false;
            ClearDpoRequest();
        }

        Touch(now, history: false);
        return Result.Ok;
    }

    public Result SetDpo(bool enabled, DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (enabled && WormEnabled)
        {
            return new DpoLockedByWorm();
        }

        DpoEnabled = enabled;
        if (!enabled)
        {
            ClearDpoRequest();
        }

        Touch(now, history: false);
        return Result.Ok;
    }

    public Result SetDownloadLimit(int gb, DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (gb is < OrganizationFeatures.MinDownloadLimitGb or > OrganizationFeatures.MaxDownloadLimitGb)
        {
            return new DownloadLimitOutOfRange();
        }

        if (gb == DownloadLimitGb)
        {
            return new NoChange();
        }

        DownloadLimitGb = gb;
        Touch(now, history: false);
        return Result.Ok;
    }

    public Result SetBackupRunsPerDay(int runsPerDay, DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (runsPerDay is < Backup.BackupSchedule.MinRunsPerDay or > Backup.BackupSchedule.MaxRunsPerDay)
        {
            return new Backup.BackupRunsPerDayOutOfRange();
        }

        if (runsPerDay == BackupRunsPerDay)
        {
            return new NoChange();
        }

        BackupRunsPerDay = runsPerDay;
        Touch(now, history: false);
        return Result.Ok;
    }

    public bool IsEnabled(OrganizationFeature feature) => feature switch
    {
        OrganizationFeature.AdGroupBackup => AdGroupBackupEnabled,
        OrganizationFeature.Worm => WormEnabled,
        OrganizationFeature.Insights => InsightsEnabled,
        OrganizationFeature.DataProtectionOfficer => DpoEnabled,
        OrganizationFeature.Compliance => ComplianceEnabled,
        OrganizationFeature.InPlaceArchiveBackup => InPlaceArchiveBackupEnabled,
        OrganizationFeature.PrivateChatBackup => PrivateChatBackupEnabled,
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, null),
    };

    /// Why <paramref name="feature"/> cannot be turned on now, or null when it can. Turning a
    /// feature off is always allowed (also after its entitlement was revoked).
    /// <paramref name="entitled"/>: the sales-gated features the operator enabled for this
    /// organization or a partner on its path.
    public Error? WhyCannotTurnOn(OrganizationFeature feature, IReadOnlySet<OrganizationFeature> entitled)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (!OrganizationFeatures.IsAvailableOn(feature, PlanType))
        {
            return new FeatureNeedsArchiver(feature);
        }

        if (OrganizationFeatures.IsSalesGated(feature) && !entitled.Contains(feature))
        {
            return new FeatureNotEntitled(feature);
        }

        if (feature == OrganizationFeature.AdGroupBackup && !HasMicrosoft365AdminCredentials)
        {
            return new AdGroupBackupNeedsMicrosoft365Admin();
        }

        if (feature == OrganizationFeature.DataProtectionOfficer && WormEnabled)
        {
            return new DpoLockedByWorm();
        }

        return null;
    }

    /// Turns one feature on or off. WORM and the Data Protection Officer keep their own rules
    /// (<see cref="SetWorm"/>, <see cref="SetDpo"/>); this adds the gates every feature shares.
    public Result SetFeature(OrganizationFeature feature, bool enabled, IReadOnlySet<OrganizationFeature> entitled, DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (enabled == IsEnabled(feature))
        {
            return new NoChange();
        }

        if (enabled && WhyCannotTurnOn(feature, entitled) is { } refused)
        {
            return refused;
        }

        switch (feature)
        {
            case OrganizationFeature.Worm:
                return SetWorm(enabled, now);
            case OrganizationFeature.DataProtectionOfficer:
                return SetDpo(enabled, now);
            case OrganizationFeature.AdGroupBackup:
                AdGroupBackupEnabled = enabled;
                break;
            case OrganizationFeature.Insights:
                InsightsEnabled = enabled;
                break;
            case OrganizationFeature.Compliance:
                ComplianceEnabled = enabled;
                break;
            case OrganizationFeature.InPlaceArchiveBackup:
                InPlaceArchiveBackupEnabled = enabled;
                break;
            case OrganizationFeature.PrivateChatBackup:
                PrivateChatBackupEnabled = enabled;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(feature), feature, null);
        }

        Touch(now, history: false);
        return Result.Ok;
    }

    /// Reported by the data plane after each backup run: seats in use, stored bytes and logical bytes
    /// (<paramref name="logicalBytes"/>, the messages' size as the sources had them).
    public void RecordUsage(int seatsInUse, long storageUsedBytes, DateTimeOffset? retentionUntil, long logicalBytes = 0)
    {
        if (IsPurged)
        {
            return;
        }

        SeatsInUse = Math.Max(0, seatsInUse);
        StorageUsedBytes = Math.Max(0, storageUsedBytes);
        StorageLogicalBytes = Math.Max(0, logicalBytes);
        if (retentionUntil > RetentionUntil || RetentionUntil is null)
        {
            RetentionUntil = retentionUntil;
        }
    }

    public void SetCredentialError(bool inError) => CredentialError = inError;

    /// Records whether a connected Microsoft 365 source holds admin credentials.
    public void SetMicrosoft365AdminCredentials(bool present) => HasMicrosoft365AdminCredentials = present;

    /// The organization-wide facts its sources decide: "Need Authentication" while any source is in
    /// error, and Microsoft 365 admin credentials while any Microsoft 365 source holds them. Pass every
    /// source of the organization, as they will be saved; the caller saves both in one SaveChanges.
    public void ReflectCredentialSources(IEnumerable<CredentialSource> sources)
    {
        var all = sources.ToList();
        if (all.Any(s => s.OrganizationId != Id))
        {
            throw new ArgumentException("A source of another organization was passed.", nameof(sources));
        }

        SetCredentialError(all.Any(s => s.IsInError));
        SetMicrosoft365AdminCredentials(all.Any(s => s is { Kind: SourceKind.Microsoft365, HasAdminCredentials: true }));
    }

    /// A new journal address for an Archiver organization (or its first one, when it has none yet);
    /// the old address stops receiving mail. Returns the new address.
    public Result<string> RegenerateJournalAddress(IJournalAddressGenerator journal, DateTimeOffset now)
    {
        if (Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (PlanType != PlanType.Archiver)
        {
            return new JournalingArchiverOnly();
        }

        string address;
        do
        {
            address = journal.NewAddress();
        }
        while (address == JournalAddress);

        JournalAddress = address;
        Touch(now, history: false);
        return address;
    }

    /// Billing period end implied by the status: see <see cref="BillingEndsAt"/>.
    public static DateTimeOffset StartOfNextMonth(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
    }

    private void Apply(ValidPersonalInfo v)
    {
        OwnerFirstName = v.FirstName;
        OwnerLastName = v.LastName;
        OwnerEmail = v.Email;
        OwnerEmailNormalized = TextKey.Email(v.Email);
        Country = v.Country;
        Name = v.OrganizationName;
        NameNormalized = TextKey.Name(v.OrganizationName);
    }

    private Result RequireOpen(string what) =>
        Status switch
        {
            OrganizationStatus.Deleted => new AlreadyDeleted(),
            OrganizationStatus.Unsubscribed => new TransitionNotAllowed(Status, what + " (reactivate it first)"),
            _ => Result.Ok,
        };

    private TransitionNotAllowed NotAllowed(string command) => new(Status, command);

    private void ClearDpoRequest()
    {
        PendingDpoAction = PendingDpoAction.None;
        DpoApprovedAt = null;
    }

    private void Touch(DateTimeOffset now, bool history = true)
    {
        Version++;
        if (history)
        {
            RecordHistory(now);
        }
    }

    private void RecordHistory(DateTimeOffset now)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var today = _history.FirstOrDefault(h => h.Day == day);
        if (today is null)
        {
            _history.Add(SubscriptionHistoryEntry.Of(this, day, now));
        }
        else
        {
            today.CopyFrom(this, now);
        }
    }
}
