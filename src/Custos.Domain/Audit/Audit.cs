namespace Custos.Domain.Audit;

/// Event types carry explicit numbers: stored in the audit table, never renumbered or reused
/// (a retired value is marked [Obsolete]).
public enum AuditEventType
{
    OrganizationCreated = 1101,
    OrganizationSuspended = 1102,
    OrganizationReactivated = 1103,
    OrganizationUnsubscribed = 1104,
    OrganizationDeleted = 1105,
    OrganizationPurged = 1106,
    OrganizationPersonalInfoUpdated = 1107,
    OrganizationPlanChanged = 1108,
    OrganizationSeatsChanged = 1109,
    OrganizationAutoLicenseChanged = 1110,
    OrganizationDeletionAwaitingApproval = 1111,
    OrganizationPurgeAwaitingApproval = 1112,
    OrganizationFeaturesChanged = 1113,
    OrganizationDownloadLimitChanged = 1150,
    OrganizationFeatureTurnedOn = 1151,
    OrganizationFeatureTurnedOff = 1152,

    CredentialSourceConnected = 1170,
    CredentialSourceStatusChanged = 1171,
    ImapMailboxConnected = 1420,
    ImapMailboxUpdated = 1421,
    BackupRunsPerDayChanged = 1430,
    BackupRequested = 1431,
    BackupSourceInError = 1432,
    BackupSourceCleared = 1433,
    BackupRunFailed = 1434,
    ApiTokenRegenerated = 1175,
    JournalAddressAssigned = 1180,
    JournalAddressRegenerated = 1181,

    PartnerUserCreated = 1201,
    PartnerUserRoleChanged = 1202,
    PartnerUserRemoved = 1203,
    GroupCreated = 1204,
    GroupRenamed = 1205,
    GroupDeleted = 1206,
    GroupMembersChanged = 1207,
    GroupOrganizationsChanged = 1208,

    FeatureEntitlementGranted = 1300,
    FeatureEntitlementRevoked = 1301,

    BackupDownloaded = 1450,

    OrganizationInvitationSent = 1500,
    OutboxMessageRetried = 1501,
    CsvExportRequested = 1520,
    CsvExportReady = 1521,
    CsvExportFailed = 1522,
    CsvExportFileDeleted = 1523,
    NotificationSettingsChanged = 1540,
    OrganizationPasswordResetSent = 1541,

    // The customer portal (Custos.ControlPlane/CustomerPortal).
    PartnerSignedInAsClient = 1600,
    CustomerPasswordSet = 1601,
    CustomerPasswordReset = 1602,
    CustomerPasswordResetRequested = 1603,
    CustomerTwoFactorEnabled = 1604,
    CustomerTwoFactorDisabled = 1605,
    CustomerDetailsUpdated = 1606,
    CustomerLockedOut = 1607,

    TransferRequested = 1630,
    TransferCancelled = 1631,
    TransferApproved = 1632,
    TransferRejected = 1633,
    OrganizationTransferredOut = 1634,
    OrganizationTransferredIn = 1635,
    PartnerTransfersRevoked = 1636,
    PartnerTransfersRestored = 1637,
    PartnerCreated = 1640,
    PartnerDeactivated = 1641,
    PlanCreated = 1642,
    PlanOfferingsChanged = 1643,
    PlatformSettingsChanged = 1644,
    ApiKeyCreated = 1700,
    ApiKeyRevoked = 1701,

    // Webhook endpoints (Custos.ControlPlane/Webhooks).
    WebhookEndpointCreated = 1710,
    WebhookEndpointUpdated = 1711,
    WebhookEndpointEnabled = 1712,
    WebhookEndpointDisabled = 1713,
    WebhookEndpointDeleted = 1714,
    WebhookSecretRotated = 1715,
    WebhookEndpointAutoDisabled = 1716,
    WebhookRedelivered = 1717,
    WebhookTestSent = 1718,
}

/// Who did something. When a partner user acts inside the customer portal as a client, the
/// impersonator is the real person behind the action.
public sealed record Actor(string Id, string Name, string? ImpersonatorId = null, string? ImpersonatorName = null)
{
    public static Actor System { get; } = new("system", "Custos");
}

public sealed class AuditEntry
{
    private AuditEntry()
    {
        ActorId = "";
        ActorName = "";
    }

    public long Id { get; private set; }

    public DateTimeOffset At { get; private set; }

    public AuditEventType EventType { get; private set; }

    public string ActorId { get; private set; }

    public string ActorName { get; private set; }

    public string? ImpersonatorId { get; private set; }

    public string? ImpersonatorName { get; private set; }

    public Guid? PartnerId { get; private set; }

    public Guid? OrganizationId { get; private set; }

    /// JSON of the facts that changed, before and after.
    public string? Before { get; private set; }

    public string? After { get; private set; }

    public static AuditEntry For(
        AuditEventType type, Actor actor, DateTimeOffset at, Guid? partnerId, Guid? organizationId, string? before, string? after) =>
        new()
        {
            EventType = type,
            At = at,
            ActorId = actor.Id,
            ActorName = actor.Name,
            ImpersonatorId = actor.ImpersonatorId,
            ImpersonatorName = actor.ImpersonatorName,
            PartnerId = partnerId,
            OrganizationId = organizationId,
            Before = before,
            After = after,
        };
}
