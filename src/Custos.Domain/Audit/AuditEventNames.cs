namespace Custos.Domain.Audit;

/// The words the audit journal shows for each event type. Every type has one (a test checks it),
/// so a new event cannot reach the journal as a bare number.
public static class AuditEventNames
{
    public static string? Of(AuditEventType type) => type switch
    {
        AuditEventType.OrganizationCreated => "Organization created",
        AuditEventType.OrganizationSuspended => "Organization suspended",
        AuditEventType.OrganizationReactivated => "Organization reactivated",
        AuditEventType.OrganizationUnsubscribed => "Organization unsubscribed",
        AuditEventType.OrganizationDeleted => "Organization deleted",
        AuditEventType.OrganizationPurged => "Organization data purged",
        AuditEventType.OrganizationPersonalInfoUpdated => "Personal info updated",
        AuditEventType.OrganizationPlanChanged => "Plan changed",
        AuditEventType.OrganizationSeatsChanged => "Seats changed",
        AuditEventType.OrganizationAutoLicenseChanged => "Auto license changed",
        AuditEventType.OrganizationDeletionAwaitingApproval => "Deletion awaiting the DPO's approval",
        AuditEventType.OrganizationPurgeAwaitingApproval => "Purge awaiting the DPO's approval",
        AuditEventType.OrganizationFeaturesChanged => "Features changed",
        AuditEventType.OrganizationDownloadLimitChanged => "Download size limit changed",
        AuditEventType.OrganizationFeatureTurnedOn => "Feature turned on",
        AuditEventType.OrganizationFeatureTurnedOff => "Feature turned off",
        AuditEventType.CredentialSourceConnected => "Credential source connected",
        AuditEventType.CredentialSourceStatusChanged => "Credential status changed",
        AuditEventType.ImapMailboxConnected => "IMAP mailbox connected",
        AuditEventType.ImapMailboxUpdated => "IMAP mailbox updated",
        AuditEventType.ApiTokenRegenerated => "API token regenerated",
        AuditEventType.JournalAddressAssigned => "Journal address assigned",
        AuditEventType.JournalAddressRegenerated => "Journal address regenerated",
        AuditEventType.PartnerUserCreated => "Partner user added",
        AuditEventType.PartnerUserRoleChanged => "Partner user's role changed",
        AuditEventType.PartnerUserRemoved => "Partner user removed",
        AuditEventType.GroupCreated => "Group created",
        AuditEventType.GroupRenamed => "Group renamed",
        AuditEventType.GroupDeleted => "Group deleted",
        AuditEventType.GroupMembersChanged => "Group members changed",
        AuditEventType.GroupOrganizationsChanged => "Group organizations changed",
        AuditEventType.FeatureEntitlementGranted => "Sales-gated feature enabled",
        AuditEventType.FeatureEntitlementRevoked => "Sales-gated feature revoked",
        AuditEventType.OrganizationInvitationSent => "Sign-in invitation sent",
        AuditEventType.OutboxMessageRetried => "Mail delivery retried",
        AuditEventType.CsvExportRequested => "CSV export requested",
        AuditEventType.CsvExportReady => "CSV export ready",
        AuditEventType.CsvExportFailed => "CSV export failed",
        AuditEventType.CsvExportFileDeleted => "CSV export file deleted",
        AuditEventType.NotificationSettingsChanged => "Notification settings changed",
        AuditEventType.OrganizationPasswordResetSent => "Password reset sent",
        AuditEventType.PartnerSignedInAsClient => "Partner signed in as client",
        AuditEventType.CustomerPasswordSet => "Portal password set",
        AuditEventType.CustomerPasswordReset => "Portal password reset",
        AuditEventType.CustomerPasswordResetRequested => "Portal password reset requested",
        AuditEventType.CustomerTwoFactorEnabled => "Portal two-factor authentication turned on",
        AuditEventType.CustomerTwoFactorDisabled => "Portal two-factor authentication turned off",
        AuditEventType.CustomerDetailsUpdated => "Portal account details updated",
        AuditEventType.CustomerLockedOut => "Portal account locked out",
        AuditEventType.TransferRequested => "Transfer requested",
        AuditEventType.TransferCancelled => "Transfer cancelled",
        AuditEventType.TransferApproved => "Transfer approved",
        AuditEventType.TransferRejected => "Transfer rejected",
        AuditEventType.OrganizationTransferredOut => "Organization transferred out",
        AuditEventType.OrganizationTransferredIn => "Organization transferred in",
        AuditEventType.PartnerTransfersRevoked => "Transfers revoked for a partner",
        AuditEventType.PartnerTransfersRestored => "Transfers restored for a partner",
        AuditEventType.PartnerCreated => "Partner created",
        AuditEventType.PartnerDeactivated => "Partner deactivated",
        AuditEventType.PlanCreated => "Plan created",
        AuditEventType.PlanOfferingsChanged => "Offered plans changed",
        AuditEventType.PlatformSettingsChanged => "Platform settings changed",
        _ => null,
    };

    /// The name, or the number for a type this build does not know (never empty).
    public static string Display(AuditEventType type) => Of(type) ?? $"Event {(int)type}";

    /// "Ann (as client, by Bob)" when a partner user acted as the organization's owner; else "Ann".
    public static string Who(string actorName, string? impersonatorName) =>
        impersonatorName is null ? actorName : $"{actorName} (as client, by {impersonatorName})";
}
