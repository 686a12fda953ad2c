using Custos.Domain.Audit;

namespace Custos.Domain.Webhooks;

/// Who receives an event: the partner the audit entry names and every partner above it (a
/// distributor sees its subtree, like API keys), or that partner alone.
public enum WebhookAudience
{
    PartnerChain,
    PartnerOnly,
}

/// The event types partners subscribe to, and which audit events raise them. Webhook messages are
/// made from the audit entries a change writes (see Custos.Data/Webhooks/README.md), so every
/// event here is exactly as durable as its audit entry.
public static class WebhookEvents
{
    public const string OrganizationCreated = "organization.created";
    public const string OrganizationUpdated = "organization.updated";
    public const string OrganizationSuspended = "organization.suspended";
    public const string OrganizationUnsubscribed = "organization.unsubscribed";
    public const string OrganizationReactivated = "organization.reactivated";
    public const string OrganizationDeleted = "organization.deleted";
    public const string OrganizationPurged = "organization.purged";
    public const string CredentialError = "credential.error";
    public const string ExportReady = "export.ready";
    public const string TransferRequested = "transfer.requested";
    public const string TransferApproved = "transfer.approved";
    public const string TransferExecuted = "transfer.executed";

    /// Sent only on request ("Send test event"); never subscribed to.
    public const string Test = "webhook.test";

    /// Every type an endpoint can subscribe to, in the order the portal lists them.
    public static IReadOnlyList<string> All { get; } =
    [
        OrganizationCreated, OrganizationUpdated, OrganizationSuspended, OrganizationUnsubscribed, OrganizationReactivated,
        OrganizationDeleted, OrganizationPurged, CredentialError, ExportReady, TransferRequested, TransferApproved, TransferExecuted,
    ];

    public static bool IsKnown(string type) => All.Contains(type, StringComparer.Ordinal);

    /// The webhook event an audit entry raises, or null. <paramref name="after"/> is the entry's
    /// "after" JSON: a credential source connected or changed raises credential.error only when it is
    /// in error. A backup run's report of a source going into error is audited once, as "Mailbox
    /// backup needs attention" (1432), which raises it too: one failure, one entry, one event.
    public static string? Of(AuditEventType type, string? after) => type switch
    {
        AuditEventType.OrganizationCreated => OrganizationCreated,
        AuditEventType.OrganizationSuspended => OrganizationSuspended,
        AuditEventType.OrganizationUnsubscribed => OrganizationUnsubscribed,
        AuditEventType.OrganizationReactivated => OrganizationReactivated,
        AuditEventType.OrganizationDeleted => OrganizationDeleted,
        AuditEventType.OrganizationPurged => OrganizationPurged,
        AuditEventType.OrganizationPersonalInfoUpdated or AuditEventType.OrganizationPlanChanged or AuditEventType.OrganizationSeatsChanged
            or AuditEventType.OrganizationAutoLicenseChanged or AuditEventType.OrganizationFeaturesChanged
            or AuditEventType.OrganizationFeatureTurnedOn or AuditEventType.OrganizationFeatureTurnedOff
            or AuditEventType.OrganizationDownloadLimitChanged => OrganizationUpdated,
        AuditEventType.CredentialSourceStatusChanged or AuditEventType.CredentialSourceConnected or AuditEventType.BackupSourceInError
            when after is not null
            && after.Contains("\"status\":\"Error\"", StringComparison.Ordinal) => CredentialError,
        AuditEventType.CsvExportReady => ExportReady,
        AuditEventType.TransferRequested => TransferRequested,
        AuditEventType.TransferApproved => TransferApproved,
        AuditEventType.OrganizationTransferredOut or AuditEventType.OrganizationTransferredIn => TransferExecuted,
        _ => null,
    };

    public static WebhookAudience AudienceOf(string type) =>
        type == ExportReady ? WebhookAudience.PartnerOnly : WebhookAudience.PartnerChain;

    /// The stored form of an endpoint's subscription: null or empty is every type.
    public static IReadOnlyList<string> Parse(string? stored) =>
        string.IsNullOrEmpty(stored) ? All : stored.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public static bool Wants(string? stored, string type) =>
        type == Test || string.IsNullOrEmpty(stored) || stored.Split(',').Contains(type, StringComparer.Ordinal);
}
