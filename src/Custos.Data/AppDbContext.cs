using Custos.Data.Storage;
using Custos.Data.Webhooks;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Exports;
using Custos.Domain.Mail;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Domain.Transfers;
using Custos.Domain.Webhooks;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data;

/// The one model. Each database engine has a subclass with its own migrations
/// (<see cref="SqliteAppDbContext"/>, <see cref="PostgresAppDbContext"/>); code depends on this type.
public abstract class AppDbContext(DbContextOptions options)
    : IdentityDbContext<AppUser, IdentityRole<Guid>, Guid>(options)
{
    public const string EmailUniqueIndex = "UX_Organizations_OwnerEmail_Live";
    public const string NameUniqueIndex = "UX_Organizations_Name_Live";
    public const string OrganizationPublicIdIndex = "UX_Organizations_PublicId";
    public const string JournalAddressUniqueIndex = "UX_Organizations_JournalAddress";
    public const string PartnerEntitlementIndex = "UX_FeatureEntitlements_Partner";
    public const string OrganizationEntitlementIndex = "UX_FeatureEntitlements_Organization";
    public const string OpenTransferIndex = "UX_Transfers_OpenPerOrganization";

    /// Identity's newest schema (with passkeys), whatever the host configured.
    protected override Version SchemaVersion => IdentitySchemaVersions.Version3;

    public DbSet<Partner> Partners => Set<Partner>();

    public DbSet<Plan> Plans => Set<Plan>();

    public DbSet<PlanOffering> PlanOfferings => Set<PlanOffering>();

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<SubscriptionHistoryEntry> SubscriptionHistory => Set<SubscriptionHistoryEntry>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<PartnerGroup> Groups => Set<PartnerGroup>();

    public DbSet<PartnerGroupMember> GroupMembers => Set<PartnerGroupMember>();

    public DbSet<PartnerGroupOrganization> GroupOrganizations => Set<PartnerGroupOrganization>();

    public DbSet<PlatformSettings> PlatformSettings => Set<PlatformSettings>();

    public DbSet<CredentialSource> CredentialSources => Set<CredentialSource>();

    public DbSet<LoginAccount> LoginAccounts => Set<LoginAccount>();
    public DbSet<FeatureEntitlement> FeatureEntitlements => Set<FeatureEntitlement>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<AccessLink> AccessLinks => Set<AccessLink>();

    public DbSet<ImpersonationTicket> ImpersonationTickets => Set<ImpersonationTicket>();

    public DbSet<ImapMailbox> ImapMailboxes => Set<ImapMailbox>();

    // Backup storage (Custos.DataPlane/Storage): keys, the blob index, messages, purges.
    public DbSet<OrganizationDataKey> OrganizationDataKeys => Set<OrganizationDataKey>();

    public DbSet<StoredChunk> StoredChunks => Set<StoredChunk>();

    public DbSet<StoredMessage> StoredMessages => Set<StoredMessage>();

    public DbSet<BackedUpMessage> BackedUpMessages => Set<BackedUpMessage>();

    public DbSet<StoragePurge> StoragePurges => Set<StoragePurge>();

    // Backup runs (Custos.DataPlane/Backup): checkpoints, runs, per-mailbox state, daily usage.
    public DbSet<Backup.BackupCheckpoint> BackupCheckpoints => Set<Backup.BackupCheckpoint>();

    public DbSet<Backup.BackupRun> BackupRuns => Set<Backup.BackupRun>();

    public DbSet<Backup.MailboxBackupState> MailboxBackupStates => Set<Backup.MailboxBackupState>();

    public DbSet<Backup.BackupDailyUsage> BackupDailyUsage => Set<Backup.BackupDailyUsage>();

    public DbSet<CsvExport> CsvExports => Set<CsvExport>();

    public DbSet<Transfer> Transfers => Set<Transfer>();

    // The REST API: partners' keys and the answers kept for Idempotency-Key retries.
    public DbSet<PartnerApiKey> PartnerApiKeys => Set<PartnerApiKey>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    // Webhooks (Webhooks/README.md): partners' endpoints, the messages made from audit entries,
    // one delivery per message and endpoint, and every attempt.
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookMessage> WebhookMessages => Set<WebhookMessage>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    private readonly WebhookEnqueuer _webhooks = new();

    /// Every save also adds the webhook messages its new audit entries raise (Webhooks/README.md),
    /// so they are committed together with the change or not at all.
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        await _webhooks.AddMessagesAsync(this, cancellationToken);
        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// Custos saves asynchronously only; a synchronous save would skip the webhook step, so it is refused.
    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        throw new NotSupportedException("Use SaveChangesAsync: it also enqueues webhook messages.");

    /// Both engines quote identifiers the SQL-standard way, so one filter text serves both.
    private static string Quote(string identifier) => $"\"{identifier}\"";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Partner>(e =>
        {
            e.ToTable("Partners");
            e.HasKey(p => p.Id);
            e.Property(p => p.PublicId).HasMaxLength(16);
            e.HasIndex(p => p.PublicId).IsUnique();
            e.Property(p => p.Name).HasMaxLength(Partner.MaxNameLength);
            e.Property(p => p.Country).HasMaxLength(2);
            e.Property(p => p.Path).HasMaxLength(2000);
            e.HasIndex(p => p.Path);
            e.HasOne<Partner>().WithMany().HasForeignKey(p => p.ParentId).OnDelete(DeleteBehavior.Restrict);

            // Notification settings: existing partners get the same defaults as new ones. The sentinel
            // is the default itself, so a "false" is always written and a "true" left to the default.
            e.Property(p => p.SendSignInByDefault).HasDefaultValue(true).HasSentinel(true);
            e.Property(p => p.LifecycleNotices).HasDefaultValue(true).HasSentinel(true);
            e.Property(p => p.NotifyOrganizationOwner).HasDefaultValue(true).HasSentinel(true);
            e.Property(p => p.NotifyPartnerAdmins).HasDefaultValue(true).HasSentinel(true);
            e.Property(p => p.NotificationSettingsVersion).IsConcurrencyToken();
            e.Ignore(p => p.Notifications);
        });

        builder.Entity<Plan>(e =>
        {
            e.ToTable("Plans");
            e.HasKey(p => p.Id);
            e.Property(p => p.Name).HasMaxLength(100);
            e.Property(p => p.Type).HasConversion<string>().HasMaxLength(16);
            e.Property(p => p.Currency).HasMaxLength(3);
            e.Property(p => p.MonthlyPrice).HasPrecision(12, 2);
        });

        builder.Entity<PlanOffering>(e =>
        {
            e.ToTable("PlanOfferings");
            e.HasKey(o => new { o.PartnerId, o.PlanId });
            e.HasOne<Partner>().WithMany().HasForeignKey(o => o.PartnerId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Plan>().WithMany().HasForeignKey(o => o.PlanId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Organization>(e =>
        {
            e.ToTable("Organizations");
            e.HasKey(o => o.Id);
            e.Property(o => o.PublicId).HasMaxLength(16);
            e.HasIndex(o => o.PublicId).IsUnique().HasDatabaseName(OrganizationPublicIdIndex);
            e.Property(o => o.Name).HasMaxLength(OrganizationLimits.MaxOrganizationNameLength);
            e.Property(o => o.NameNormalized).HasMaxLength(OrganizationLimits.MaxOrganizationNameLength * 2);
            e.Property(o => o.OwnerFirstName).HasMaxLength(OrganizationLimits.MaxPersonNameLength);
            e.Property(o => o.OwnerLastName).HasMaxLength(OrganizationLimits.MaxPersonNameLength);
            e.Property(o => o.OwnerEmail).HasMaxLength(OrganizationLimits.MaxEmailLength);
            e.Property(o => o.OwnerEmailNormalized).HasMaxLength(OrganizationLimits.MaxEmailLength);
            e.Property(o => o.Country).HasMaxLength(2);
            e.Property(o => o.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(o => o.PlanType).HasConversion<string>().HasMaxLength(16);
            e.Property(o => o.PendingDpoAction).HasConversion<string>().HasMaxLength(16);
            e.Property(o => o.Version).IsConcurrencyToken();
            e.Property(o => o.DownloadLimitGb).HasDefaultValue(OrganizationFeatures.DefaultDownloadLimitGb);
            e.Property(o => o.BackupRunsPerDay).HasDefaultValue(BackupSchedule.DefaultRunsPerDay);
            e.Ignore(o => o.IsPurged);

            // The database itself keeps emails and names unique among live organizations, so two
            // racing creates cannot both win. Deleted organizations free both; Personal names are
            // derived from the owner's name and never compared.
            var status = Quote(nameof(Organization.Status));
            var planType = Quote(nameof(Organization.PlanType));
            e.HasIndex(o => o.OwnerEmailNormalized).IsUnique()
                .HasDatabaseName(EmailUniqueIndex)
                .HasFilter($"{status} <> 'Deleted'");
            e.HasIndex(o => o.NameNormalized).IsUnique()
                .HasDatabaseName(NameUniqueIndex)
                .HasFilter($"{status} <> 'Deleted' AND {planType} <> 'Personal'");

            // The Organizations page: a partner's rows of one status in name order, optionally of
            // one plan type, or only those whose credentials need attention.
            e.HasIndex(o => new { o.PartnerId, o.Status, o.NameNormalized, o.Id });
            e.HasIndex(o => new { o.PartnerId, o.Status, o.PlanType, o.NameNormalized, o.Id });
            e.HasIndex(o => new { o.PartnerId, o.Status, o.NameNormalized, o.Id }, "IX_Organizations_NeedAuthentication")
                .HasFilter($"{Quote(nameof(Organization.CredentialError))}");
            e.HasIndex(o => o.PurgeDueAt).HasFilter($"{Quote(nameof(Organization.PurgedAt))} IS NULL");
            e.Property(o => o.JournalAddress).HasMaxLength(320);
            e.HasIndex(o => o.JournalAddress).IsUnique().HasDatabaseName(JournalAddressUniqueIndex)
                .HasFilter($"{Quote(nameof(Organization.JournalAddress))} IS NOT NULL");

            e.HasOne<Partner>().WithMany().HasForeignKey(o => o.PartnerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Plan>().WithMany().HasForeignKey(o => o.PlanId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(o => o.History).WithOne().HasForeignKey(h => h.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(o => o.History).UsePropertyAccessMode(PropertyAccessMode.Field);
        });

        builder.Entity<SubscriptionHistoryEntry>(e =>
        {
            e.ToTable("SubscriptionHistory");
            e.HasKey(h => h.Id);
            e.HasIndex(h => new { h.OrganizationId, h.Day }).IsUnique();
            e.Property(h => h.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(h => h.PlanType).HasConversion<string>().HasMaxLength(16);
        });

        builder.Entity<AuditEntry>(e =>
        {
            e.ToTable("AuditEntries");
            e.HasKey(a => a.Id);
            e.Property(a => a.ActorId).HasMaxLength(64);
            e.Property(a => a.ActorName).HasMaxLength(256);
            e.Property(a => a.ImpersonatorId).HasMaxLength(64);
            e.Property(a => a.ImpersonatorName).HasMaxLength(256);
            e.HasIndex(a => new { a.OrganizationId, a.At });
            e.HasIndex(a => new { a.PartnerId, a.At });

            // The audit journal pages newest first by Id (keyset), per partner or organization.
            e.HasIndex(a => new { a.PartnerId, a.Id });
            e.HasIndex(a => new { a.OrganizationId, a.Id });
        });

        builder.Entity<PartnerGroup>(e =>
        {
            e.ToTable("Groups");
            e.HasKey(g => g.Id);
            e.Property(g => g.Name).HasMaxLength(PartnerGroup.MaxNameLength);
            e.HasIndex(g => new { g.PartnerId, g.Name }).IsUnique();
            e.HasOne<Partner>().WithMany().HasForeignKey(g => g.PartnerId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<PartnerGroupMember>(e =>
        {
            e.ToTable("GroupMembers");
            e.HasKey(m => new { m.GroupId, m.UserId });
            e.HasIndex(m => m.UserId);
            e.HasOne<PartnerGroup>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<AppUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<PartnerGroupOrganization>(e =>
        {
            e.ToTable("GroupOrganizations");
            e.HasKey(m => new { m.GroupId, m.OrganizationId });
            e.HasIndex(m => m.OrganizationId);
            e.HasOne<PartnerGroup>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<CredentialSource>(e =>
        {
            e.ToTable("CredentialSources");
            e.HasKey(c => c.Id);
            e.Property(c => c.Kind).HasConversion<string>().HasMaxLength(24);
            e.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(c => c.Label).HasMaxLength(CredentialSource.MaxLabelLength);
            e.Property(c => c.ActionNeeded).HasMaxLength(CredentialSource.MaxActionLength);
            e.Ignore(c => c.IsInError);
            e.HasIndex(c => new { c.OrganizationId, c.Kind, c.Label }).IsUnique();
            e.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<LoginAccount>(e =>
        {
            e.ToTable("LoginAccounts");
            e.HasKey(a => a.Id);
            e.Property(a => a.Email).HasMaxLength(OrganizationLimits.MaxEmailLength);
            e.Property(a => a.EmailNormalized).HasMaxLength(OrganizationLimits.MaxEmailLength);
            e.Property(a => a.ApiTokenHash).HasMaxLength(LoginAccount.HashLength);
            e.Property(a => a.ApiTokenHint).HasMaxLength(LoginAccount.HintLength);
            e.Ignore(a => a.MaskedApiToken);
            e.Property(a => a.LastPasswordResetAt).IsConcurrencyToken();
            e.Property(a => a.FirstName).HasMaxLength(OrganizationLimits.MaxPersonNameLength);
            e.Property(a => a.LastName).HasMaxLength(OrganizationLimits.MaxPersonNameLength);
            e.Property(a => a.PasswordHash).HasMaxLength(256);
            e.Property(a => a.AuthenticatorKey).HasMaxLength(64);

            // Two racing sign-ins, resets or enrolments of one account: only one is saved.
            e.Property(a => a.SessionVersion).IsConcurrencyToken();
            e.Ignore(a => a.HasPassword);
            e.Ignore(a => a.ActsForOrganization);
            e.HasIndex(a => new { a.OrganizationId, a.CreatedAt });
            e.HasIndex(a => a.EmailNormalized);

            // The API will find an account by its token's hash.
            e.HasIndex(a => a.ApiTokenHash).IsUnique().HasFilter($"{Quote(nameof(LoginAccount.ApiTokenHash))} IS NOT NULL");
            e.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<OutboxMessage>(e =>
        {
            e.ToTable("OutboxMessages");
            e.HasKey(m => m.Id);
            e.Property(m => m.Kind).HasMaxLength(OutboxMessage.MaxKindLength);
            e.Property(m => m.MessageId).HasMaxLength(OutboxMessage.MaxMessageIdLength);
            e.HasIndex(m => m.MessageId).IsUnique();
            e.Property(m => m.FromName).HasMaxLength(OutboxMessage.MaxNameLength);
            e.Property(m => m.ToAddress).HasMaxLength(OutboxMessage.MaxAddressLength);
            e.Property(m => m.ToName).HasMaxLength(OutboxMessage.MaxNameLength);
            e.Property(m => m.Subject).HasMaxLength(OutboxMessage.MaxSubjectLength);
            e.Property(m => m.LastError).HasMaxLength(OutboxMessage.MaxErrorLength);
            e.Property(m => m.Version).IsConcurrencyToken();
            e.Ignore(m => m.IsPending);
            e.Ignore(m => m.Content);

            // The delivery job reads the pending messages that are due.
            e.HasIndex(m => m.NextAttemptAt).HasFilter($"{Quote(nameof(OutboxMessage.SentAt))} IS NULL AND {Quote(nameof(OutboxMessage.FailedAt))} IS NULL");
            e.HasIndex(m => new { m.PartnerId, m.CreatedAt });
        });

        builder.Entity<ImapMailbox>(e =>
        {
            e.ToTable("ImapMailboxes");
            e.HasKey(m => m.Id);
            e.Property(m => m.Host).HasMaxLength(ImapEndpoint.MaxHostLength);
            e.Property(m => m.Security).HasConversion<string>().HasMaxLength(16);
            e.Property(m => m.UserName).HasMaxLength(ImapEndpoint.MaxUserNameLength);
            e.Property(m => m.UserNameNormalized).HasMaxLength(ImapEndpoint.MaxUserNameLength);
            e.Property(m => m.ProtectedPassword).HasMaxLength(ImapMailbox.MaxProtectedPasswordLength);
            e.Property(m => m.Version).IsConcurrencyToken();
            e.HasIndex(m => new { m.OrganizationId, m.Host, m.UserNameNormalized }).IsUnique();
            e.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<CredentialSource>().WithMany().HasForeignKey(m => m.CredentialSourceId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<LoginAccount>().WithMany().HasForeignKey(m => m.LoginAccountId).OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<AccessLink>(e =>
        {
            e.ToTable("AccessLinks");
            e.HasKey(l => l.Id);
            e.Property(l => l.Purpose).HasConversion<string>().HasMaxLength(24);
            e.Property(l => l.TokenHash).HasMaxLength(AccessLink.HashLength);
            e.HasIndex(l => l.TokenHash).IsUnique();
            e.HasIndex(l => new { l.LoginAccountId, l.CreatedAt });

            // The reset rate limit counts an organization's recent links.
            e.HasIndex(l => new { l.OrganizationId, l.Purpose, l.CreatedAt });
            e.HasOne<LoginAccount>().WithMany().HasForeignKey(l => l.LoginAccountId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ImpersonationTicket>(e =>
        {
            e.ToTable("ImpersonationTickets");
            e.HasKey(t => t.Id);
            e.Property(t => t.TokenHash).HasMaxLength(AccessLink.HashLength);
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.Property(t => t.PartnerUserName).HasMaxLength(ImpersonationTicket.MaxNameLength);

            // The portal lists an organization's partner sign-ins, newest first.
            e.HasIndex(t => new { t.OrganizationId, t.UsedAt });
            e.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<LoginAccount>().WithMany().HasForeignKey(t => t.LoginAccountId).OnDelete(DeleteBehavior.Cascade);

            // Of two redemptions racing, only one is saved.
            e.Property(t => t.UsedAt).IsConcurrencyToken();
        });

        builder.Entity<CsvExport>(e =>
        {
            e.ToTable("CsvExports");
            e.HasKey(x => x.Id);
            e.Property(x => x.RequestedByName).HasMaxLength(CsvExport.MaxNameLength);
            e.Property(x => x.RequestedByEmail).HasMaxLength(256);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Search).HasMaxLength(CsvExport.MaxSearchLength);
            e.Property(x => x.PlanType).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.FileName).HasMaxLength(CsvExport.MaxFileNameLength);
            e.Property(x => x.Error).HasMaxLength(CsvExport.MaxErrorLength);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Ignore(x => x.Query);

            // The job finds work (queued, or running with a lapsed lease) and expired files; the
            // Exports page lists a partner's newest.
            e.HasIndex(x => new { x.State, x.CreatedAt });
            e.HasIndex(x => new { x.PartnerId, x.CreatedAt });
            e.HasOne<Partner>().WithMany().HasForeignKey(x => x.PartnerId).OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<FeatureEntitlement>(e =>
        {
            // One grant per feature and grantee; a grant names a partner or an organization, never both.
            var partnerId = Quote(nameof(FeatureEntitlement.PartnerId));
            var organizationId = Quote(nameof(FeatureEntitlement.OrganizationId));
            e.ToTable("FeatureEntitlements", t => t.HasCheckConstraint(
                "CK_FeatureEntitlements_OneGrantee",
                $"({partnerId} IS NULL) <> ({organizationId} IS NULL)"));
            e.HasKey(g => g.Id);
            e.Property(g => g.Feature).HasConversion<string>().HasMaxLength(32);
            e.Property(g => g.GrantedById).HasMaxLength(64);
            e.Property(g => g.GrantedByName).HasMaxLength(256);
            e.HasIndex(g => new { g.PartnerId, g.Feature }).IsUnique().HasDatabaseName(PartnerEntitlementIndex)
                .HasFilter($"{partnerId} IS NOT NULL");
            e.HasIndex(g => new { g.OrganizationId, g.Feature }).IsUnique().HasDatabaseName(OrganizationEntitlementIndex)
                .HasFilter($"{organizationId} IS NOT NULL");
            e.HasIndex(g => g.GrantedAt);
            e.HasOne<Partner>().WithMany().HasForeignKey(g => g.PartnerId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Organization>().WithMany().HasForeignKey(g => g.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<PlatformSettings>(e =>
        {
            e.ToTable("PlatformSettings");
            e.HasKey(s => s.Id);
            e.Property(s => s.Id).ValueGeneratedNever();
            e.Ignore(s => s.Grace);
            e.Property(s => s.Version).IsConcurrencyToken();
            e.HasData(new PlatformSettings());
        });

        builder.Entity<Transfer>(e =>
        {
            e.ToTable("Transfers");
            e.HasKey(t => t.Id);
            e.Property(t => t.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(t => t.RequestedById).HasMaxLength(64);
            e.Property(t => t.RequestedByName).HasMaxLength(Transfer.MaxNameLength);
            e.Property(t => t.RequestedByImpersonatorName).HasMaxLength(Transfer.MaxNameLength);
            e.Property(t => t.DecidedByName).HasMaxLength(Transfer.MaxNameLength);
            e.Property(t => t.Reason).HasMaxLength(Transfer.MaxReasonLength);
            e.Property(t => t.Version).IsConcurrencyToken();
            e.Ignore(t => t.IsOpen);

            // One open request per organization, kept by the database so two racing requests
            // cannot both be saved.
            var status = Quote(nameof(Transfer.Status));
            e.HasIndex(t => t.OrganizationId).IsUnique().HasDatabaseName(OpenTransferIndex)
                .HasFilter($"{status} IN ('Pending', 'Approved')");
            e.HasIndex(t => new { t.OrganizationId, t.RequestedAt });

            // The operator's queue, and the job's due approved transfers.
            e.HasIndex(t => new { t.Status, t.RequestedAt });
            e.HasIndex(t => new { t.Status, t.EffectiveAt });
            e.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Partner>().WithMany().HasForeignKey(t => t.FromPartnerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Partner>().WithMany().HasForeignKey(t => t.ToPartnerId).OnDelete(DeleteBehavior.Restrict);
        });

        StorageModel.Configure(builder);
        BackupIndexModel.Configure(builder);
        Backup.BackupRunModel.Configure(builder);
        ApiKeyModel.Configure(builder);
        WebhookModel.Configure(builder);

        builder.Entity<AppUser>(e =>
        {
            e.Property(u => u.DisplayName).HasMaxLength(200);
            e.Property(u => u.Role).HasConversion<string>().HasMaxLength(24);
            e.HasOne<Partner>().WithMany().HasForeignKey(u => u.PartnerId).OnDelete(DeleteBehavior.Restrict);
        });
    }
}
