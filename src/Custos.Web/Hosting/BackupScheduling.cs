using System.Globalization;
using System.Text.Json;
using Custos.Data;
using Custos.Data.Backup;
using Custos.DataPlane.Backup;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Custos.Web.Hosting;

/// Each organization with a mailbox has one durable Quartz job ("backups" group) and one repeating
/// trigger: 24 h / runs-per-day apart, starting at a fixed offset drawn from the organization's ID
/// (<see cref="BackupSchedule.NextRun"/>) so organizations do not start together. "Back up now" and
/// retries fire the same job, so [DisallowConcurrentExecution] keeps one run per organization
/// across the cluster. Schedules are (re)made when a mailbox is connected, when the runs per day
/// change, and at startup for every organization with mailboxes; a Deleted organization's job is
/// removed the next time it fires (or at startup). Without a scheduler (Custos:Scheduler:Enabled
/// false) every call does nothing.
public sealed class BackupSchedules(IServiceProvider services, TimeProvider clock, ILogger<BackupSchedules> log)
{
    public const string Group = "backups";
    public const string OrganizationKey = "organizationId";
    public const string TriggerKey = "trigger";
    public const string AttemptKey = "attempt";
    public const string RunsPerDayKey = "runsPerDay";

    public static JobKey JobOf(Guid organizationId) => new($"backup-{organizationId:N}", Group);

    public static TriggerKey ScheduleOf(Guid organizationId) => new($"backup-{organizationId:N}", Group);

    public static TriggerKey RetryOf(Guid organizationId) => new($"backup-retry-{organizationId:N}", Group);

    /// Creates or updates the organization's schedule; leaves it alone when it already has these runs per day.
    public async Task EnsureAsync(Guid organizationId, int runsPerDay, CancellationToken ct)
    {
        if (await SchedulerAsync(ct) is not { } scheduler)
        {
            return;
        }

        await EnsureJobAsync(scheduler, organizationId, ct);
        var key = ScheduleOf(organizationId);
        var current = await scheduler.GetTrigger(key, ct);
        if (current is not null && current.JobDataMap.GetString(RunsPerDayKey) == runsPerDay.ToString(CultureInfo.InvariantCulture))
        {
            return;
        }

        var trigger = TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(JobOf(organizationId))
            .UsingJobData(RunsPerDayKey, runsPerDay.ToString(CultureInfo.InvariantCulture))
            .UsingJobData(TriggerKey, nameof(BackupTrigger.Scheduled))
            .StartAt(BackupSchedule.NextRun(organizationId, runsPerDay, clock.GetUtcNow()))
            .WithSimpleSchedule(s => s.WithInterval(BackupSchedule.Interval(runsPerDay)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await PlaceAsync(scheduler, trigger, ct);
    }

    /// Queues a run now ("Back up now").
    public async Task RunNowAsync(Guid organizationId, CancellationToken ct)
    {
        if (await SchedulerAsync(ct) is not { } scheduler)
        {
            return;
        }

        await EnsureJobAsync(scheduler, organizationId, ct);
        await scheduler.TriggerJob(JobOf(organizationId), new JobDataMap { [TriggerKey] = nameof(BackupTrigger.Manual) }, ct);
    }

    /// Runs the organization again at <paramref name="at"/> as attempt <paramref name="attempt"/>.
    public async Task RetryAsync(Guid organizationId, int attempt, DateTimeOffset at, CancellationToken ct)
    {
        if (await SchedulerAsync(ct) is not { } scheduler)
        {
            return;
        }

        var trigger = TriggerBuilder.Create()
            .WithIdentity(RetryOf(organizationId))
            .ForJob(JobOf(organizationId))
            .UsingJobData(TriggerKey, nameof(BackupTrigger.Retry))
            .UsingJobData(AttemptKey, attempt.ToString(CultureInfo.InvariantCulture))
            .StartAt(at)
            .Build();
        await PlaceAsync(scheduler, trigger, ct);
    }

    public async Task RemoveAsync(Guid organizationId, CancellationToken ct)
    {
        if (await SchedulerAsync(ct) is { } scheduler)
        {
            await scheduler.DeleteJob(JobOf(organizationId), ct);
        }
    }

    /// At startup: every organization with a mailbox gets its schedule; deleted ones lose theirs.
    public async Task SyncAllAsync(CancellationToken ct)
    {
        if (await SchedulerAsync(ct) is null)
        {
            return;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var orgs = await db.Organizations.AsNoTracking()
            .Where(o => db.ImapMailboxes.Any(m => m.OrganizationId == o.Id))
            .Select(o => new { o.Id, o.Status, o.BackupRunsPerDay })
            .ToListAsync(ct);
        foreach (var org in orgs)
        {
            if (org.Status == OrganizationStatus.Deleted)
            {
                await RemoveAsync(org.Id, ct);
            }
            else
            {
                await EnsureAsync(org.Id, org.BackupRunsPerDay, ct);
            }
        }

        log.LogInformation("Backup schedules checked for {Count} organizations", orgs.Count);
    }

    private static async Task EnsureJobAsync(IScheduler scheduler, Guid organizationId, CancellationToken ct)
    {
        var job = JobOf(organizationId);
        if (!await scheduler.Exists(job, ct))
        {
            await scheduler.AddJob(
                JobBuilder.Create<BackupJob>().WithIdentity(job).StoreDurably()
                    .UsingJobData(OrganizationKey, organizationId.ToString())
                    .Build(),
                AddJobOptions.Replacing, ct);
        }
    }

    private static async Task PlaceAsync(IScheduler scheduler, ITrigger trigger, CancellationToken ct)
    {
        if (await scheduler.Exists(trigger.Key, ct))
        {
            await scheduler.RescheduleJob(trigger.Key, trigger, ct);
        }
        else
        {
            await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), ct);
        }
    }

    private async Task<IScheduler?> SchedulerAsync(CancellationToken ct) =>
        services.GetService<ISchedulerFactory>() is { } factory ? await factory.GetScheduler(ct) : null;
}

/// One backup run of one organization (see Custos.DataPlane/Backup/README.md). A failed run is tried
/// again 30 minutes later, at most three times; after the last try the error stays on the run and
/// is audited.
[DisallowConcurrentExecution]
public sealed class BackupJob(BackupRunner runner, BackupSchedules schedules, AppDbContext db, TimeProvider clock, ILogger<BackupJob> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        if (!Guid.TryParse(data.GetString(BackupSchedules.OrganizationKey), out var organizationId))
        {
            return;
        }

        var trigger = Enum.TryParse<BackupTrigger>(data.GetString(BackupSchedules.TriggerKey), out var t) ? t : BackupTrigger.Scheduled;
        var attempt = int.TryParse(data.GetString(BackupSchedules.AttemptKey), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 1;
        await RunAsync(organizationId, trigger, attempt, cancellationToken);
    }

    /// One attempt and what follows it: a retry <see cref="BackupSchedule.RetryDelay"/> later while
    /// attempts remain, the audit entry after the last, the job's removal once the organization is gone.
    public async Task RunAsync(Guid organizationId, BackupTrigger trigger, int attempt, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(organizationId, trigger, attempt, cancellationToken);
        switch (result.Outcome)
        {
            case BackupRunOutcome.NotRun:
                var status = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => (OrganizationStatus?)o.Status).SingleOrDefaultAsync(cancellationToken);
                if (status is null or OrganizationStatus.Deleted)
                {
                    await schedules.RemoveAsync(organizationId, cancellationToken);
                }

                break;
            case BackupRunOutcome.Failed when attempt <= BackupSchedule.MaxRetries:
                log.LogInformation("Backup of {Organization} failed (attempt {Attempt}); retrying in {Delay}", organizationId, attempt, BackupSchedule.RetryDelay);
                await schedules.RetryAsync(organizationId, attempt + 1, clock.GetUtcNow() + BackupSchedule.RetryDelay, cancellationToken);
                break;
            case BackupRunOutcome.Failed:
                var partnerId = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.PartnerId).SingleAsync(cancellationToken);
                db.AuditEntries.Add(AuditEntry.For(AuditEventType.BackupRunFailed, Actor.System, clock.GetUtcNow(), partnerId, organizationId, null,
                    JsonSerializer.Serialize(new { run = result.RunId, attempts = attempt, error = result.Error })));
                await db.SaveChangesAsync(cancellationToken);
                break;
            default:
                break;
        }
    }
}

/// Makes the backup schedules at startup, in the background so a large installation starts at once.
public sealed class BackupScheduleStartup(BackupSchedules schedules, IHostApplicationLifetime lifetime, ILogger<BackupScheduleStartup> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            try
            {
                await schedules.SyncAllAsync(lifetime.ApplicationStopping);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                log.LogError(error, "Backup schedules could not be made at startup");
            }
        }));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
