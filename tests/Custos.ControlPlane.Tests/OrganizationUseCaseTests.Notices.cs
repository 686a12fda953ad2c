using System.Text.RegularExpressions;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Partners;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Mail;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

/// Lifecycle notices and the owner's password reset: what lands in the outbox, for whom, and that
/// it is saved with the change or not at all. Each test uses a partner of its own (below the acting
/// partner) with an owner, a full administrator, an administrator and a read-only user.
public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task LifecycleNotices_WithDefaultSettings_GoToOwnerAndPartnerAdminsFromThePartnersName()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default);
        var cmd = Command(world.OrganizationId);

        (await RunAsync(CommandKind.Suspend, cmd)).ShouldBeNull();
        (await RunAsync(CommandKind.Reactivate, cmd)).ShouldBeNull();
        var unsubscribedAt = Clock.GetUtcNow();
        (await RunAsync(CommandKind.Unsubscribe, cmd)).ShouldBeNull();
        (await DeleteAsync(cmd)).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);

        var mail = await OutboxOfAsync(world.OrganizationId);
        string[] everyone = [world.OwnerEmail, .. world.AdminEmails];
        foreach (var kind in new[] { "organization.suspended", "organization.reactivated", "organization.unsubscribed", "organization.deleted" })
        {
            mail.Where(m => m.Kind == kind).Select(m => m.ToAddress).Order().ShouldBe(everyone.Order(), kind);
        }

        // Delete purges at once; its notice already says so, so no second mail about the purge.
        mail.ShouldNotContain(m => m.Kind == "organization.purged");
        mail.ShouldAllBe(m => m.FromName == world.Partner.Name && m.PartnerId == world.Partner.Id);
        mail.ShouldAllBe(m => m.TextBody.Length > 0 && m.HtmlBody.Contains("<html"));
        var purgeDate = (unsubscribedAt + Grace).UtcDateTime.ToString("yyyy-MM-dd");
        var unsubscribed = mail.Where(m => m.Kind == "organization.unsubscribed").ToList();
        unsubscribed.ShouldAllBe(m => m.Subject.Contains(purgeDate) && m.TextBody.Contains(purgeDate) && m.HtmlBody.Contains(purgeDate));
        mail.Single(m => m.Kind == "organization.suspended" && m.ToAddress == world.OwnerEmail).ToName.ShouldBe("Ann Smith");
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task LifecycleNotices_Recipients_FollowThePartnersSettings(bool owner, bool admins)
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default with { NotifyOrganizationOwner = owner, NotifyPartnerAdmins = admins });

        (await RunAsync(CommandKind.Suspend, Command(world.OrganizationId))).ShouldBeNull();

        string[] expected = [.. owner ? [world.OwnerEmail] : Array.Empty<string>(), .. admins ? world.AdminEmails : []];
        (await OutboxOfAsync(world.OrganizationId)).Select(m => m.ToAddress).Order().ShouldBe(expected.Order());
    }

    [Fact]
    public async Task LifecycleNotices_WhenOff_SendNothingButTheChangesHappen()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default with { LifecycleNotices = false });
        var cmd = Command(world.OrganizationId);

        (await RunAsync(CommandKind.Suspend, cmd)).ShouldBeNull();
        (await RunAsync(CommandKind.Unsubscribe, cmd)).ShouldBeNull();
        (await DeleteAsync(cmd)).ShouldSucceed();

        (await LoadAsync(world.OrganizationId)).Status.ShouldBe(OrganizationStatus.Deleted);
        (await OutboxOfAsync(world.OrganizationId)).ShouldBeEmpty();
    }

    [Fact]
    public async Task LifecycleNotices_RefusedOrStaleCommand_AddsNoMail()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default);
        var version = (await LoadAsync(world.OrganizationId)).Version;

        (await RunAsync(CommandKind.Reactivate, Command(world.OrganizationId))).ShouldBeOfType<TransitionNotAllowed>();
        (await RunAsync(CommandKind.Suspend, Command(world.OrganizationId, expectedVersion: version + 1))).ShouldBeOfType<ConcurrentChange>();

        (await OutboxOfAsync(world.OrganizationId)).ShouldBeEmpty();
    }

    [Fact]
    public async Task PurgeJob_AfterTheGraceWindow_TellsOnlyThePartnerAdminsAboutThePurge()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default);
        (await RunAsync(CommandKind.Unsubscribe, Command(world.OrganizationId))).ShouldBeNull();
        Clock.Advance(Grace);

        await PurgeDueAsync();

        (await LoadAsync(world.OrganizationId)).IsPurged.ShouldBeTrue();
        var purged = (await OutboxOfAsync(world.OrganizationId)).Where(m => m.Kind == "organization.purged").ToList();
        purged.Select(m => m.ToAddress).Order().ShouldBe(world.AdminEmails.Order());
        purged.ShouldAllBe(m => m.FromName == world.Partner.Name);
    }

    [Fact]
    public async Task SendPasswordReset_ForTheOwner_SavesASingleUseOneHourLinkItsMailAndAudit()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default);
        var now = Clock.GetUtcNow();

        var sent = (await ResetAsync(Command(world.OrganizationId))).ShouldSucceed();

        sent.Email.ShouldBe(world.OwnerEmail);
        sent.ExpiresAt.ShouldBe(now + TimeSpan.FromHours(1));
        var mail = (await OutboxOfAsync(world.OrganizationId)).ShouldHaveSingleItem();
        mail.Kind.ShouldBe("organization.password-reset");
        mail.ToAddress.ShouldBe(world.OwnerEmail);
        mail.FromName.ShouldBe(world.Partner.Name);
        var token = ResetLink().Match(mail.TextBody).Groups[1].Value;
        token.ShouldNotBeEmpty();
        mail.HtmlBody.ShouldContain("https://custos.test/portal/reset-password?token=" + token);

        var audit = (await AuditOfAsync(world.OrganizationId)).Last();
        audit.EventType.ShouldBe(AuditEventType.OrganizationPasswordResetSent);
        audit.ActorId.ShouldBe(Ann.Id);
        audit.After.ShouldNotBeNull().ShouldNotContain(token);

        // The link works once, within the hour; a second use or a late one is refused.
        var hash = AccessLink.HashOf(token);
        await ReadAsync(async db =>
        {
            var link = await db.AccessLinks.SingleAsync(l => l.TokenHash == hash);
            link.Purpose.ShouldBe(AccessLinkPurpose.PasswordReset);
            link.Use(now + TimeSpan.FromMinutes(59)).ShouldSucceed();
            link.Use(now + TimeSpan.FromMinutes(59)).Error.ShouldBeOfType<AccessLinkUsed>();
            return await db.SaveChangesAsync();
        });
        Clock.Advance(TimeSpan.FromMinutes(1));
        var late = (await ResetAsync(Command(world.OrganizationId))).ShouldSucceed();
        var lateToken = ResetLink().Match((await OutboxOfAsync(world.OrganizationId)).Last().TextBody).Groups[1].Value;
        var lateHash = AccessLink.HashOf(lateToken);
        (await ReadAsync(db => db.AccessLinks.SingleAsync(l => l.TokenHash == lateHash)))
            .Use(late.ExpiresAt).Error.ShouldBeOfType<AccessLinkExpired>();
    }

    [Fact]
    public async Task SendPasswordReset_AFourthWithinAnHour_IsRefusedWithWhenItIsPossibleAgain()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default);
        var first = Clock.GetUtcNow();
        for (var i = 0; i < PasswordResets.PerHour; i++)
        {
            (await ResetAsync(Command(world.OrganizationId))).ShouldSucceed();
            Clock.Advance(TimeSpan.FromMinutes(10));
        }

        var refused = (await ResetAsync(Command(world.OrganizationId))).Error.ShouldBeOfType<PasswordResetLimitReached>();

        refused.NextAllowedAt.ShouldBe(first + TimeSpan.FromHours(1));
        refused.Message.ShouldContain($"{(first + TimeSpan.FromHours(1)).UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        (await OutboxOfAsync(world.OrganizationId)).Count.ShouldBe(PasswordResets.PerHour);
        (await ReadAsync(db => db.AccessLinks.CountAsync(l => l.OrganizationId == world.OrganizationId))).ShouldBe(PasswordResets.PerHour);

        Clock.SetUtcNow(first + TimeSpan.FromHours(1));
        (await ResetAsync(Command(world.OrganizationId))).ShouldSucceed();
    }

    [Fact]
    public async Task SendPasswordReset_TwoRacingForTheLastLinkOfTheHour_OnlyOneIsSaved()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default);
        for (var i = 0; i < PasswordResets.PerHour - 1; i++)
        {
            (await ResetAsync(Command(world.OrganizationId))).ShouldSucceed();
            Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var rendezvous = new SaveRendezvous();
        await using var services = fixture.BuildServices(o => o.AddInterceptors(rendezvous));
        rendezvous.Arm(2);
        var racers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<SendPasswordReset>().HandleAsync(Command(world.OrganizationId), default);
        })).ToList();
        var results = await Task.WhenAll(racers);

        results.Count(r => r.IsSuccess).ShouldBe(1);
        results.Single(r => !r.IsSuccess).Error.ShouldBeOfType<PasswordResetRaced>();
        (await ReadAsync(db => db.AccessLinks.CountAsync(l => l.OrganizationId == world.OrganizationId))).ShouldBe(PasswordResets.PerHour);
        (await OutboxOfAsync(world.OrganizationId)).Count.ShouldBe(PasswordResets.PerHour);
    }

    [Fact]
    public async Task SendPasswordReset_SuspendedDeletedOrForeign_IsRefusedAndSendsNothing()
    {
        var suspended = await NoticeWorldAsync(NotificationSettings.Default with { LifecycleNotices = false });
        var deleted = await NoticeWorldAsync(NotificationSettings.Default with { LifecycleNotices = false });
        var unsubscribed = await NoticeWorldAsync(NotificationSettings.Default with { LifecycleNotices = false });
        (await RunAsync(CommandKind.Suspend, Command(suspended.OrganizationId))).ShouldBeNull();
        (await DeleteAsync(Command(deleted.OrganizationId))).ShouldSucceed();
        (await RunAsync(CommandKind.Unsubscribe, Command(unsubscribed.OrganizationId))).ShouldBeNull();

        (await ResetAsync(Command(suspended.OrganizationId))).Error.ShouldBeOfType<PasswordResetRefused>().Status.ShouldBe(OrganizationStatus.Suspended);
        (await ResetAsync(Command(deleted.OrganizationId))).Error.ShouldBeOfType<PasswordResetRefused>().Status.ShouldBe(OrganizationStatus.Deleted);
        (await ResetAsync(Command(suspended.OrganizationId, Scope.Partner(Seed.Foreign)))).Error.ShouldBeOfType<NotFound>();

        // Unsubscribed organizations' users still sign in to download their data until the purge date.
        (await ResetAsync(Command(unsubscribed.OrganizationId))).ShouldSucceed();
        (await OutboxOfAsync(suspended.OrganizationId)).ShouldBeEmpty();
        (await OutboxOfAsync(deleted.OrganizationId)).ShouldBeEmpty();
        (await ReadAsync(db => db.AccessLinks.CountAsync(l => l.OrganizationId == suspended.OrganizationId || l.OrganizationId == deleted.OrganizationId))).ShouldBe(0);
    }

    [Fact]
    public async Task ChangeNotificationSettings_ByAdminsOnly_WithTheVersionTheyRead()
    {
        var world = await NoticeWorldAsync(NotificationSettings.Default);
        var off = NotificationSettings.Default with { LifecycleNotices = false, SendSignInByDefault = false };

        var byReadOnly = await ChangeSettingsAsync(world.UserIds[PartnerRole.ReadOnly], off, world.SettingsVersion);
        var byAdministrator = await ChangeSettingsAsync(world.UserIds[PartnerRole.Administrator], off, world.SettingsVersion);
        var nobody = await ChangeSettingsAsync(world.UserIds[PartnerRole.Owner],
            NotificationSettings.Default with { NotifyOrganizationOwner = false, NotifyPartnerAdmins = false }, world.SettingsVersion);
        var saved = await ChangeSettingsAsync(world.UserIds[PartnerRole.FullAdministrator], off, world.SettingsVersion);
        var stale = await ChangeSettingsAsync(world.UserIds[PartnerRole.Owner], NotificationSettings.Default, world.SettingsVersion);

        byReadOnly.Error.ShouldBeOfType<NotificationSettingsNotAllowed>();
        byAdministrator.Error.ShouldBeOfType<NotificationSettingsNotAllowed>();
        nobody.Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("recipients");
        saved.ShouldSucceed();
        stale.Error.ShouldBeOfType<NotificationSettingsChangedMeanwhile>();
        var partner = await ReadAsync(db => db.Partners.AsNoTracking().SingleAsync(p => p.Id == world.Partner.Id));
        partner.Notifications.ShouldBe(off);
        partner.NotificationSettingsVersion.ShouldBe(world.SettingsVersion + 1);
        (await ReadAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.NotificationSettingsChanged)))
            .ShouldBe(1);
    }

    // ---- a partner of its own per test -----------------------------------------------------------

    protected sealed record NoticeWorld(
        Partner Partner, Guid OrganizationId, string OwnerEmail, string[] AdminEmails, Dictionary<PartnerRole, Guid> UserIds, int SettingsVersion);

    /// A partner below the acting one with the given settings, one user of each role and an Active
    /// organization. Admin emails are the owner's and the full administrator's.
    protected async Task<NoticeWorld> NoticeWorldAsync(NotificationSettings settings)
    {
        var tag = NewTag();
        var (partner, users) = await ReadAsync(async db =>
        {
            var parent = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == Seed.Partner.Id);
            var p = Partner.Create($"Notices {tag}", "DE", parent, isDistributor: false, Clock.GetUtcNow()).ShouldSucceed();
            if (settings != p.Notifications)
            {
                p.ChangeNotifications(settings).ShouldSucceed();
            }

            db.Partners.Add(p);
            var ids = new Dictionary<PartnerRole, Guid>();
            foreach (var role in Enum.GetValues<PartnerRole>())
            {
                var email = $"{role.ToString().ToLowerInvariant()}.{tag}@partner.test";
                var user = new AppUser
                {
                    Id = Guid.NewGuid(),
                    UserName = email,
                    NormalizedUserName = email.ToUpperInvariant(),
                    Email = email,
                    NormalizedEmail = email.ToUpperInvariant(),
                    DisplayName = $"{role} {tag}",
                    PartnerId = p.Id,
                    Role = role,
                };
                db.Users.Add(user);
                ids[role] = user.Id;
            }

            await db.SaveChangesAsync();
            return (p, ids);
        });
        var orgId = await CreateOrgAsync(partner, tag: tag);
        var ownerEmail = (await LoadAsync(orgId)).OwnerEmail;
        return new NoticeWorld(
            partner, orgId, ownerEmail,
            [$"owner.{tag}@partner.test", $"fulladministrator.{tag}@partner.test"],
            users, partner.NotificationSettingsVersion);
    }

    protected Task<List<OutboxMessage>> OutboxOfAsync(Guid organizationId) =>
        ReadAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.OrganizationId == organizationId).OrderBy(m => m.CreatedAt).ToListAsync());

    protected Task<Result<PasswordResetSent>> ResetAsync(OrganizationCommand command) =>
        UseAsync<SendPasswordReset, Result<PasswordResetSent>>(u => u.HandleAsync(command, default));

    protected Task<Result> ChangeSettingsAsync(Guid userId, NotificationSettings settings, int version) =>
        UseAsync<ChangeNotificationSettings, Result>(u => u.HandleAsync(
            new ChangeNotificationSettingsRequest(new ActingUser(userId, new Actor(userId.ToString(), "Settings tester")), settings, version), default));

    [GeneratedRegex(@"/portal/reset-password\?token=([A-Za-z0-9_-]+)")]
    private static partial Regex ResetLink();
}
