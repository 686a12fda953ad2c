using Custos.ControlPlane.ApiKeys;
using Custos.ControlPlane.Audit;
using Custos.ControlPlane.Backup;
using Custos.ControlPlane.CustomerPortal;
using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Mail;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Partners;
using Custos.ControlPlane.Platform;
using Custos.ControlPlane.Transfers;
using Custos.ControlPlane.Webhooks;
using Custos.Domain.Organizations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custos.ControlPlane;

public static class ControlPlaneRegistration
{
    public static IServiceCollection AddControlPlane(this IServiceCollection services)
    {
        // Mail is queued in the caller's unit of work; the host provides IMailAddresses.
        services.AddScoped<Outbox>();
        services.AddScoped<LifecycleNotices>();
        services.AddScoped<SendPasswordReset>();
        services.AddScoped<ListOutboxMessages>();
        services.AddScoped<RetryOutboxMessage>();

        services.AddScoped<OrganizationCommands>();
        services.AddScoped<CreateOrganization>();
        services.AddScoped<UpdatePersonalInfo>();
        services.AddScoped<ChangePlan>();
        services.AddScoped<ChangeSeats>();
        services.AddScoped<SetAutoLicense>();
        services.AddScoped<SuspendOrganization>();
        services.AddScoped<UnsubscribeOrganization>();
        services.AddScoped<ReactivateOrganization>();
        services.AddScoped<DeleteOrganization>();
        services.AddScoped<PurgeOrganization>();
        services.AddScoped<PurgeDueOrganizations>();
        services.AddScoped<ListOrganizations>();
        services.AddSingleton<ScopeSizes>();
        services.AddScoped<SetDownloadLimit>();
        services.AddScoped<SetOrganizationFeature>();

        // CSV exports of the Organizations page. The host registers the ExportFolder.
        services.AddScoped<RequestCsvExport>();
        services.AddScoped<ListCsvExports>();
        services.AddScoped<FindCsvExport>();
        services.AddScoped<RunCsvExports>();

        // The operator's grants of sales-gated features.
        services.AddScoped<ListFeatureEntitlements>();
        services.AddScoped<GrantFeatureEntitlement>();
        services.AddScoped<RevokeFeatureEntitlement>();

        // An organization's sources, login accounts and journaling. A host registers its own journal
        // mail domain first (Custos:JournalDomain); otherwise the default one is used.
        services.TryAddSingleton<IJournalAddressGenerator>(new RandomJournalAddresses());
        services.AddScoped<RecordSourceState>();
        services.AddScoped<ListCredentialSources>();
        services.AddScoped<ListLoginAccounts>();
        services.AddScoped<RegenerateApiToken>();
        services.AddScoped<SendOwnerInvitation>();
        services.AddScoped<GetJournal>();
        services.AddScoped<RegenerateJournalAddress>();

        // IMAP mailboxes; the host registers IImapProbe (the data plane) and ISecretProtector.
        services.AddScoped<ConnectImapMailbox>();

        // What backup runs (the data plane) report about sources, and the Backups tab.
        services.AddScoped<Domain.Backup.ISourceStateReports, BackupSourceReports>();
        services.AddScoped<SetBackupRunsPerDay>();
        services.AddScoped<RequestBackup>();
        services.AddScoped<GetBackupOverview>();

        // A partner's own users and groups. CreatePartnerUser needs Identity's UserManager, which the host registers.
        services.AddScoped<ListPartnerUsers>();
        services.AddScoped<CreatePartnerUser>();
        services.AddScoped<ChangePartnerUserRole>();
        services.AddScoped<RemovePartnerUser>();
        services.AddScoped<ListGroups>();
        services.AddScoped<GetGroup>();
        services.AddScoped<ListGroupOrganizations>();
        services.AddScoped<CreateGroup>();
        services.AddScoped<RenameGroup>();
        services.AddScoped<DeleteGroup>();
        services.AddScoped<SetGroupMembers>();
        services.AddScoped<SetGroupOrganizations>();
        services.AddScoped<ChangeNotificationSettings>();

        // The customer portal: sign-in, password links, two-factor, account settings, log in as client.
        services.AddScoped<SignInCustomer>();
        services.AddScoped<SetCustomerPassword>();
        services.AddScoped<CustomerTwoFactor>();
        services.AddScoped<UpdateCustomerDetails>();
        services.AddScoped<LogInAsClient>();

        // Transfers of organizations between partners (see Transfers/README.md).
        services.AddScoped<RequestTransfer>();
        services.AddScoped<CancelTransfer>();
        services.AddScoped<PartnerTransfers>();
        services.AddScoped<ApproveTransfer>();
        services.AddScoped<RejectTransfer>();
        services.AddScoped<ExecuteDueTransfers>();
        services.AddScoped<ListTransfers>();
        services.AddScoped<FindTransfer>();
        services.AddScoped<SetPartnerTransfers>();

        // The operator console: partner tree, plan catalog, platform settings.
        services.AddScoped<ListPartnerTree>();
        services.AddScoped<CreatePartner>();
        services.AddScoped<DeactivatePartner>();
        services.AddScoped<CreatePlan>();
        services.AddScoped<SetPlanOfferings>();
        services.AddScoped<ChangePlatformSettings>();

        // The audit journal.
        services.AddScoped<ListAuditEntries>();

        // Partners' REST API keys.
        services.AddScoped<CreateApiKey>();
        services.AddScoped<RevokeApiKey>();
        services.AddSingleton<ApiKeyCache>();
        services.AddScoped<ListApiKeys>();

        // Partners' webhook endpoints and their delivery (see Webhooks/README.md). The host registers
        // its own WebhookSettings (Custos:Webhooks) first; data protection comes from the host.
        services.TryAddSingleton(new WebhookSettings());
        services.AddSingleton<WebhookHttp>();
        services.AddSingleton<WebhookSecrets>();
        services.AddScoped<CreateWebhookEndpoint>();
        services.AddScoped<UpdateWebhookEndpoint>();
        services.AddScoped<SetWebhookEndpointEnabled>();
        services.AddScoped<DeleteWebhookEndpoint>();
        services.AddScoped<RotateWebhookSecret>();
        services.AddScoped<ListWebhookEndpoints>();
        services.AddScoped<ListWebhookDeliveries>();
        services.AddScoped<RedeliverWebhook>();
        services.AddScoped<SendTestWebhook>();
        services.AddScoped<VerifyWebhookSignature>();
        services.AddScoped<DeliverWebhooks>();

        return services;
    }
}
