using System.Globalization;
using System.Net;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Data.Backup;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Custos.Web.Hosting;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Quartz;

namespace Custos.Web.Tests;

/// The Backups tab and the backup job over real HTTP, with the host's own scheduler and the real Dovecot.
public abstract class BackupsTabTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Password = "Backups-Tab-Password-1";

    private CustosApp App => fixture.App;

    private static string PathOf(Guid organizationId) => $"/organizations/{organizationId}/backups";

    [Fact]
    public async Task WithoutMailbox_ShowsTheEmptyState_PointingToTheCredentialsTab()
    {
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        var html = await session.GetHtmlAsync(PathOf(world.Backup));

        Html.Text(html).ShouldContain("No mailbox is connected yet");
        html.ShouldContain($"href=\"/organizations/{world.Backup}/credentials\"");
        html.ShouldContain($"href=\"/organizations/{world.Backup}/backups\"");
    }

    [Fact]
    public async Task ConnectingAMailbox_SchedulesIt_AndBackUpNow_RunsTheJob_ShowingCountsAndUsage()
    {
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 3);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        await ConnectAsync(session, world.Backup, mailbox);

        var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var trigger = await scheduler.GetTrigger(BackupSchedules.ScheduleOf(world.Backup));
        trigger.ShouldNotBeNull();
        trigger.JobDataMap.GetString(BackupSchedules.RunsPerDayKey).ShouldBe("3");
        var next = trigger.NextFireTimeUtc;
        next.ShouldNotBeNull();
        next.Value.ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow.AddHours(8).AddMinutes(1));

        using var queued = await session.PostFormAsync(PathOf(world.Backup), "backup-now", []);

        queued.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        queued.Headers.Location!.OriginalString.ShouldEndWith($"{PathOf(world.Backup)}?done=backup-queued");
        var run = await Eventually.Async(
            () => App.InDatabaseAsync(db => db.BackupRuns.AsNoTracking().Where(r => r.OrganizationId == world.Backup).ToListAsync()),
            runs => runs.Any(r => r.State != BackupRunState.Running),
            "the queued backup run to finish");
        run.Single().State.ShouldBe(BackupRunState.Succeeded, run.Single().LastError);
        run.Single().Trigger.ShouldBe(BackupTrigger.Manual);
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.BackupRequested))).ShouldBe(1);

        var page = await session.GetHtmlAsync(PathOf(world.Backup));
        var text = Html.Text(page);
        text.ShouldContain(mailbox.UserName);
        page.ShouldContain("<td data-messages>3</td>");
        page.ShouldNotContain("data-last-backup>Never<");
        text.ShouldContain("Last run: succeeded");

        var org = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == world.Backup));
        org.SeatsInUse.ShouldBe(1);
        org.StorageUsedBytes.ShouldBeGreaterThan(0);
        var stored = await App.InDatabaseAsync(db => db.StoredChunks.Where(c => c.OrganizationId == world.Backup).SumAsync(c => (long)c.Length));
        org.StorageUsedBytes.ShouldBeGreaterThanOrEqualTo(stored);
        (await App.InDatabaseAsync(db => db.BackupDailyUsage.AsNoTracking().SingleAsync(u => u.OrganizationId == world.Backup))).Messages.ShouldBe(3);
    }

    [Fact]
    public async Task BackUpNow_IsRefused_WhileARunIsGoing_AndWhileSuspended()
    {
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 1);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        await ConnectAsync(session, world.Backup, mailbox);
        var running = new BackupRun
        {
            Id = Guid.NewGuid(),
            OrganizationId = world.Backup,
            State = BackupRunState.Running,
            Trigger = BackupTrigger.Scheduled,
            StartedAt = DateTimeOffset.UtcNow,
            LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(10),
            Node = "other:1",
            Mailboxes = 1,
            Messages = 42,
        };
        await App.InDatabaseAsync(db =>
        {
            db.BackupRuns.Add(running);
            return db.SaveChangesAsync();
        });

        var html = await session.GetHtmlAsync(PathOf(world.Backup));
        Html.Text(html).ShouldContain("A backup is running");
        html.ShouldContain("data-progress-messages>42 messages<");
        using var refused = await session.PostFormAsync(PathOf(world.Backup), "backup-now", []);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Text(await refused.Content.ReadAsStringAsync()).ShouldContain("A backup of this organization is running");

        await App.InDatabaseAsync(db => db.BackupRuns.Where(r => r.Id == running.Id).ExecuteDeleteAsync());
        await App.InScopeAsync(async sp => (await sp.GetRequiredService<SuspendOrganization>()
            .HandleAsync(new OrganizationCommand(Scope.Everything, Actor.System, world.Backup), default)).Error.ShouldBeNull());
        using var suspended = await session.PostFormAsync(PathOf(world.Backup), "backup-now", []);
        suspended.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await suspended.Content.ReadAsStringAsync()).ShouldContain("suspended");
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.BackupRequested))).ShouldBe(0);
    }

    [Fact]
    public async Task RunsPerDay_AreSavedAudited_AndReschedule_AndOutOfRangeIsAFieldError()
    {
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 0);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        await ConnectAsync(session, world.Backup, mailbox);
        var version = await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.Version).SingleAsync());

        using var saved = await session.PostFormAsync(PathOf(world.Backup), "runs-per-day", Runs("6", version));

        saved.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await saved.Content.ReadAsStringAsync()).ShouldContain("Backups now run 6 times a day.");
        (await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.BackupRunsPerDay).SingleAsync())).ShouldBe(6);
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.BackupRunsPerDayChanged))).ShouldBe(1);
        var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var trigger = await scheduler.GetTrigger(BackupSchedules.ScheduleOf(world.Backup));
        trigger!.JobDataMap.GetString(BackupSchedules.RunsPerDayKey).ShouldBe("6");
        ((ISimpleTrigger)trigger).RepeatInterval.ShouldBe(TimeSpan.FromHours(4));

        foreach (var bad in new[] { "0", "13", "abc" })
        {
            using var refused = await session.PostFormAsync(PathOf(world.Backup), "runs-per-day", Runs(bad, version + 1));
            refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("id=\"runs-per-day-error\"");
        }

        using var stale = await session.PostFormAsync(PathOf(world.Backup), "runs-per-day", Runs("2", version));
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.BackupRunsPerDay).SingleAsync())).ShouldBe(6);
    }

    [Fact]
    public async Task ReadOnlyUser_SeesNoButtons_AndForgedPostsAreRefused()
    {
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 0);
        using (var owner = await PortalSession.SignInAsync(App, world.Owner, Password))
        {
            await ConnectAsync(owner, world.Backup, mailbox);
        }

        using var session = await PortalSession.SignInAsync(App, world.ReadOnly, Password);
        var html = await session.GetHtmlAsync(PathOf(world.Backup));
        html.ShouldNotContain(">Back up now</button>");
        html.ShouldNotContain("Save schedule");
        html.ShouldContain("data-runs-per-day>3<");
        var token = await session.TokenFromAsync(PathOf(world.Backup));

        using var forgedNow = await session.PostFormAsync(PathOf(world.Backup), "backup-now", [], token);
        using var forgedRuns = await session.PostFormAsync(PathOf(world.Backup), "runs-per-day", Runs("5", 0), token);

        forgedNow.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        forgedRuns.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await App.InDatabaseAsync(db => db.BackupRuns.CountAsync(r => r.OrganizationId == world.Backup))).ShouldBe(0);
        (await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.BackupRunsPerDay).SingleAsync())).ShouldBe(3);
    }

    [Fact]
    public async Task WrongPassword_ListsTheOrganizationUnderNeedAuthentication_UntilARunSucceedsAgain()
    {
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 1);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        await ConnectAsync(session, world.Backup, mailbox);
        await SetPasswordAsync(world.Backup, "not-the-password");

        await BackUpNowAsync(session, world.Backup, expected: BackupRunState.Failed);

        (await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.CredentialError).SingleAsync())).ShouldBeTrue();
        var tab = Html.Text(await session.GetHtmlAsync(PathOf(world.Backup)));
        tab.ShouldContain($"re-enter the password for {mailbox.UserName}");
        Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/credentials")).ShouldContain($"re-enter the password for {mailbox.UserName}");

        await SetPasswordAsync(world.Backup, mailbox.Password);
        await BackUpNowAsync(session, world.Backup, expected: BackupRunState.Succeeded);

        (await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.CredentialError).SingleAsync())).ShouldBeFalse();
        (await App.InDatabaseAsync(db => db.AuditEntries.Where(a => a.OrganizationId == world.Backup && (a.EventType == AuditEventType.BackupSourceInError || a.EventType == AuditEventType.BackupSourceCleared))
            .OrderBy(a => a.Id).Select(a => a.EventType).ToListAsync()))
            .ShouldBe([AuditEventType.BackupSourceInError, AuditEventType.BackupSourceCleared]);
    }

    [Fact]
    public async Task FailedRun_IsRetriedEvery30Minutes_ThreeTimes_ThenAuditedOnce()
    {
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 1);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        await ConnectAsync(session, world.Backup, mailbox);
        await SetPasswordAsync(world.Backup, "not-the-password");
        var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        // The job's own clock, a day ahead: its retries land at exact times that cannot fire while the
        // test runs (Quartz keeps the real clock).
        // Whole seconds, so the times read back alike from either engine.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds()));
        DateTimeOffset? retryAt = null;
        try
        {
            for (var attempt = 1; attempt <= BackupSchedule.MaxRetries + 1; attempt++)
            {
                var trigger = attempt == 1 ? BackupTrigger.Scheduled : BackupTrigger.Retry;
                var now = clock.GetUtcNow();

                await App.InScopeAsync(sp => ActivatorUtilities.CreateInstance<BackupJob>(sp, clock).RunAsync(world.Backup, trigger, attempt, default));

                var retry = await scheduler.GetTrigger(BackupSchedules.RetryOf(world.Backup));
                retry.ShouldNotBeNull();
                if (attempt <= BackupSchedule.MaxRetries)
                {
                    retryAt = now + TimeSpan.FromMinutes(30);
                }

                // After the last attempt no new retry is placed: the one of attempt 3 is the last.
                retry.JobDataMap.GetString(BackupSchedules.AttemptKey).ShouldBe(Math.Min(attempt + 1, BackupSchedule.MaxRetries + 1).ToString(CultureInfo.InvariantCulture));
                retry.StartTimeUtc.ShouldBe(retryAt!.Value);
                retry.JobKey.ShouldBe(BackupSchedules.JobOf(world.Backup));
                var failedAudits = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
                    .Where(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.BackupRunFailed).ToListAsync());
                if (attempt <= BackupSchedule.MaxRetries)
                {
                    failedAudits.ShouldBeEmpty($"attempt {attempt} is retried, not reported");
                }
                else
                {
                    var entry = failedAudits.ShouldHaveSingleItem();
                    entry.ActorId.ShouldBe(Actor.System.Id);
                    entry.At.ShouldBe(now);
                    entry.After.ShouldNotBeNull().ShouldContain("\"attempts\":4");
                    entry.After.ShouldContain("re-enter the password");
                }

                clock.Advance(BackupSchedule.RetryDelay);
            }

            var runs = await App.InDatabaseAsync(db => db.BackupRuns.AsNoTracking().Where(r => r.OrganizationId == world.Backup).OrderBy(r => r.Attempt).ToListAsync());
            runs.Select(r => (r.Attempt, r.Trigger, r.State)).ShouldBe(
            [
                (1, BackupTrigger.Scheduled, BackupRunState.Failed),
                (2, BackupTrigger.Retry, BackupRunState.Failed),
                (3, BackupTrigger.Retry, BackupRunState.Failed),
                (4, BackupTrigger.Retry, BackupRunState.Failed),
            ]);
        }
        finally
        {
            await App.Services.GetRequiredService<BackupSchedules>().RemoveAsync(world.Backup, default);
        }
    }

    [Fact]
    public async Task StartupPass_SchedulesEveryOrganizationWithMailboxes_AndDropsDeletedOnes()
    {
        App.Services.GetServices<IHostedService>().OfType<BackupScheduleStartup>().ShouldHaveSingleItem();
        var world = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        var without = await TabWorld.CreateAsync(App, "Backups Partner", Password);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        await ConnectAsync(session, world.Backup, await TestImapUser.CreateAsync(messages: 1));
        await ConnectAsync(session, world.Archiver, await TestImapUser.CreateAsync(messages: 1));
        var scheduler = await App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        // A schedule lost (a store restored from an older copy, say), runs per day changed behind the
        // scheduler's back, and an organization deleted while its job stayed.
        (await scheduler.DeleteJob(BackupSchedules.JobOf(world.Backup))).ShouldBeTrue();
        await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).ExecuteUpdateAsync(s => s.SetProperty(o => o.BackupRunsPerDay, 4)));
        await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Archiver).ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, OrganizationStatus.Deleted)));
        (await scheduler.Exists(BackupSchedules.JobOf(world.Archiver))).ShouldBeTrue();
        var before = DateTimeOffset.UtcNow;

        await App.Services.GetRequiredService<BackupSchedules>().SyncAllAsync(default);

        var trigger = await scheduler.GetTrigger(BackupSchedules.ScheduleOf(world.Backup));
        trigger.ShouldNotBeNull();
        trigger.JobKey.ShouldBe(BackupSchedules.JobOf(world.Backup));
        trigger.JobDataMap.GetString(BackupSchedules.RunsPerDayKey).ShouldBe("4");
        var job = await scheduler.GetJobDetail(BackupSchedules.JobOf(world.Backup));
        job.ShouldNotBeNull().JobDataMap.GetString(BackupSchedules.OrganizationKey).ShouldBe(world.Backup.ToString());
        var next = trigger.NextFireTimeUtc.ShouldNotBeNull();
        next.ShouldBeGreaterThanOrEqualTo(before);
        next.ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow + BackupSchedule.Interval(4));
        (await scheduler.Exists(BackupSchedules.JobOf(world.Archiver))).ShouldBeFalse("a deleted organization loses its job");
        (await scheduler.Exists(BackupSchedules.JobOf(without.Backup))).ShouldBeFalse("no mailbox, no schedule");
    }

    private static Dictionary<string, string?> Runs(string perDay, int version) => new()
    {
        ["Runs.PerDay"] = perDay,
        ["Runs.Version"] = version.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task ConnectAsync(PortalSession session, Guid organizationId, TestImapUser mailbox)
    {
        using var response = await session.PostFormAsync($"/organizations/{organizationId}/credentials", "connect-imap", new Dictionary<string, string?>
        {
            ["Imap.Host"] = mailbox.Host,
            ["Imap.Port"] = mailbox.Port.ToString(CultureInfo.InvariantCulture),
            ["Imap.Security"] = nameof(ImapSecurity.None),
            ["Imap.UserName"] = mailbox.UserName,
            ["Imap.Password"] = mailbox.Password,
            ["Imap.Action"] = "connect",
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    /// Posts "Back up now" and waits for the run it queued to finish in the given state.
    private async Task BackUpNowAsync(PortalSession session, Guid organizationId, BackupRunState expected)
    {
        var before = await App.InDatabaseAsync(db => db.BackupRuns.CountAsync(r => r.OrganizationId == organizationId));
        using (var queued = await session.PostFormAsync(PathOf(organizationId), "backup-now", []))
        {
            queued.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        var runs = await Eventually.Async(
            () => App.InDatabaseAsync(db => db.BackupRuns.AsNoTracking().Where(r => r.OrganizationId == organizationId).OrderBy(r => r.StartedAt).ToListAsync()),
            r => r.Count > before && r[^1].State != BackupRunState.Running,
            "the queued run to finish");
        runs[^1].State.ShouldBe(expected, runs[^1].LastError);
    }

    private Task SetPasswordAsync(Guid organizationId, string password) =>
        App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var mailbox = await db.ImapMailboxes.SingleAsync(m => m.OrganizationId == organizationId);
            var org = await db.Organizations.SingleAsync(o => o.Id == organizationId);
            var secrets = sp.GetRequiredService<ISecretProtector>();
            mailbox.Update(org, mailbox.Endpoint(secrets) with { Password = password }, secrets.Protect(password), DateTimeOffset.UtcNow).Error.ShouldBeNull();
            await db.SaveChangesAsync();
        });
}

public sealed class BackupsTabTests_Sqlite(SqliteHostFixture fixture) : BackupsTabTests<SqliteHostFixture>(fixture);

public sealed class BackupsTabTests_Postgres(PostgresHostFixture fixture) : BackupsTabTests<PostgresHostFixture>(fixture);
