using Custos.Domain.Plans;

namespace Custos.Domain.Organizations;

public sealed record NotFound(string What) : Error("not_found", $"{What} was not found.");

public sealed record TransitionNotAllowed(OrganizationStatus From, string Command)
    : Error("transition_not_allowed", $"An organization that is {From} cannot be {Command}.");

public sealed record AlreadyDeleted()
    : Error("already_deleted", "The organization is deleted; nothing about it can change.");

public sealed record PurgeDatePassed(DateTimeOffset PurgeDueAt)
    : Error("purge_date_passed", $"The purge date ({PurgeDueAt:yyyy-MM-dd HH:mm} UTC) has passed; the organization can no longer be reactivated.");

public sealed record PlanChangeRefused(PlanType From, PlanType To)
    : Error("plan_change_refused", $"{(From == PlanType.Archiver ? "An" : "A")} {From} organization cannot move to a {To} plan: only a plan of the same type, or an upgrade from Backup to Archiver, is allowed.");

public sealed record SamePlan()
    : Error("same_plan", "The organization is already on this plan.");

public sealed record PlanNotOffered()
    : Error("plan_not_offered", "This plan is not offered to the organization's partner.")
{
    public override string? Field => "plan";
}

/// The operator deactivated the partner: its organizations stay, but none can be added under it.
public sealed record PartnerDeactivated()
    : Error("partner_deactivated", "This partner is deactivated: no new organization can be created under it. Choose an active partner, or contact support.")
{
    public override string? Field => "partner";
}

public sealed record NoSeatsOnPersonal()
    : Error("no_seats_on_personal", "Personal plans cover one mailbox; they have no seats or auto license.");

public sealed record SeatsFixedByAutoLicense()
    : Error("seats_fixed_by_auto_license", "Seats follow usage while auto license is on; turn auto license off to set a number.");

public sealed record SeatsBelowUsage(int InUse)
    : Error("seats_below_usage", $"{InUse} seats are in use; choose at least {InUse}.")
{
    public override string? Field => "seats";
}

public sealed record SeatsOutOfRange(int Max)
    : Error("seats_out_of_range", $"Seats must be a whole number from 1 to {Max}.")
{
    public override string? Field => "seats";
}

public sealed record NoChange()
    : Error("no_change", "Nothing changed.");

public sealed record DpoLockedByWorm()
    : Error("dpo_locked_by_worm", "The Data Protection Officer cannot be turned on while WORM storage is on.");

public sealed record NothingAwaitsApproval()
    : Error("nothing_awaits_approval", "No deletion or purge is waiting for the Data Protection Officer's approval.");

public sealed record AlreadyPurged()
    : Error("already_purged", "The organization's data has already been purged.");

public sealed record PurgeNotDue()
    : Error("purge_not_due", "The organization is not due for purge.");

public sealed record EmailTaken()
    : Error("email_taken", "This email address is already used by another organization.")
{
    public override string? Field => "email";
}

public sealed record NameTaken()
    : Error("name_taken", "This organization name is already used by another organization.")
{
    public override string? Field => "organizationName";
}

public sealed record ConcurrentChange()
    : Error("concurrent_change", "The organization was changed by someone else meanwhile; reload it and try again.");

public sealed record JournalingArchiverOnly()
    : Error("journaling_archiver_only", "Journaling is only for Archiver organizations.");

public sealed record DownloadLimitOutOfRange()
    : Error("download_limit_out_of_range",
        $"The download size limit must be a whole number of GB from {OrganizationFeatures.MinDownloadLimitGb} to {OrganizationFeatures.MaxDownloadLimitGb}.")
{
    public override string? Field => "downloadLimit";
}

public sealed record FeatureNotEntitled(OrganizationFeature Feature)
    : Error("feature_not_entitled",
        $"{OrganizationFeatures.Label(Feature)} is locked: ask your provider to enable it for your partner account or for this organization.");

public sealed record FeatureNeedsArchiver(OrganizationFeature Feature)
    : Error("feature_needs_archiver", $"{OrganizationFeatures.Label(Feature)} is available only on Archiver plans.");

public sealed record AdGroupBackupNeedsMicrosoft365Admin()
    : Error("ad_group_backup_needs_m365_admin",
        "Microsoft 365 AD group backup needs a connected Microsoft 365 source with admin credentials; connect one first.");

public sealed record FeatureNotSalesGated(OrganizationFeature Feature)
    : Error("feature_not_sales_gated", $"{OrganizationFeatures.Label(Feature)} is not sales-gated; partners turn it on themselves.")
{
    public override string? Field => "feature";
}

/// Invitations go to the organization's owner; other login accounts sign in through their own mail system.
public sealed record InvitationOnlyForOwner() : Error("invitation-owner-only", "Only the owner's login account can be sent an invitation.");
