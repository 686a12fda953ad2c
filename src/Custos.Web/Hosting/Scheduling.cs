using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Transfers;
using Custos.ControlPlane.Webhooks;
using Custos.Data;
using Custos.Data.Counting;
using Custos.Web.Hosting.Mail;
using Quartz;

namespace Custos.Web.Hosting;

/// Background work runs on Quartz with its persistent store in the configured database, so
/// schedules survive restarts; on PostgreSQL the nodes form a cluster and share the work.
public static class Scheduling
{
    public static void AddCustosScheduler(this WebApplicationBuilder builder, CustosOptions options, string sqlitePath)
    {
        var provider = DataRegistration.ProviderOf(builder.Configuration);
        var connectionString = builder.Configuration.GetConnectionString("Custos");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = $"Data Source={sqlitePath}";
        }

        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = "Custos";
                o.GenerateInstanceId = true;
            });
            q.UsePersistentStore(s =>
            {
                s.UseSystemTextJsonSerializer();
                s.ProvisionSchema();
                if (provider == DatabaseProvider.Postgres)
                {
                    s.UsePostgres(connectionString);
                    s.UseClustering();
                }
                else
                {
                    s.UseSqlite(connectionString);
                }
            });

            q.ScheduleJob<PurgeJob>(
                t => t.WithIdentity("purge-due-organizations")
                    .StartNow()
                    .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromSeconds(Math.Max(1, options.Scheduler.PurgeIntervalSeconds))).RepeatForever()),
                j => j.WithIdentity(PurgeJob.Key).DisallowConcurrentExecution());

            q.ScheduleJob<CsvExportJob>(
                t => t.WithIdentity("csv-exports")
                    .StartNow()
                    .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromSeconds(Math.Max(1, options.Scheduler.ExportIntervalSeconds))).RepeatForever()),
                j => j.WithIdentity(CsvExportJob.Key).DisallowConcurrentExecution());

            q.ScheduleJob<TransferJob>(
                t => t.WithIdentity("execute-due-transfers")
                    .StartNow()
                    .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromSeconds(Math.Max(1, options.Scheduler.TransferIntervalSeconds))).RepeatForever()),
                j => j.WithIdentity(TransferJob.Key).DisallowConcurrentExecution());

            q.ScheduleJob<MailDeliveryJob>(
                t => t.WithIdentity("deliver-outbox")
                    .StartNow()
                    .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromSeconds(Math.Max(1, options.Mail.Delivery.IntervalSeconds))).RepeatForever()),
                j => j.WithIdentity(MailDeliveryJob.Key).DisallowConcurrentExecution());

            q.ScheduleJob<WebhookDeliveryJob>(
                t => t.WithIdentity("deliver-webhooks")
                    .StartNow()
                    .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromSeconds(Math.Max(1, options.Webhooks.IntervalSeconds))).RepeatForever()),
                j => j.WithIdentity(WebhookDeliveryJob.Key).DisallowConcurrentExecution());

            if (provider == DatabaseProvider.Postgres)
            {
                q.ScheduleJob<CountRollUpJob>(
                    t => t.WithIdentity("organization-count-rollup")
                        .StartNow()
                        .WithSimpleSchedule(x => x.WithInterval(TimeSpan.FromSeconds(Math.Max(1, options.Scheduler.CountRollUpIntervalSeconds))).RepeatForever()),
                    j => j.WithIdentity(CountRollUpJob.Key).DisallowConcurrentExecution());
            }
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
    }
}

/// Purges organizations whose purge date has passed (see <see cref="PurgeDueOrganizations"/>).
[DisallowConcurrentExecution]
public sealed class PurgeJob(PurgeDueOrganizations purge, ILogger<PurgeJob> log) : IJob
{
    public static readonly JobKey Key = new("purge-due-organizations");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var run = await purge.HandleAsync(cancellationToken);
        if (run.Purged + run.AwaitingApproval + run.Conflicts > 0)
        {
            log.LogInformation(
                "Purge run: {Purged} purged, {Waiting} awaiting the Data Protection Officer, {Conflicts} left to the next run",
                run.Purged, run.AwaitingApproval, run.Conflicts);
        }
    }
}

/// Executes approved transfers whose cut-off has come (see <see cref="ExecuteDueTransfers"/>);
/// each exactly once, even when two nodes run the job.
[DisallowConcurrentExecution]
public sealed class TransferJob(ExecuteDueTransfers transfers, ILogger<TransferJob> log) : IJob
{
    public static readonly JobKey Key = new("execute-due-transfers");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var run = await transfers.HandleAsync(cancellationToken);
        if (run.Executed + run.Failed + run.Conflicts > 0)
        {
            log.LogInformation("Transfer run: {Executed} executed, {Failed} could not be executed, {Conflicts} left to the next run",
                run.Executed, run.Failed, run.Conflicts);
        }
    }
}

/// Builds queued CSV exports and deletes expired ones (see <see cref="RunCsvExports"/>).
[DisallowConcurrentExecution]
public sealed class CsvExportJob(RunCsvExports exports, ILogger<CsvExportJob> log) : IJob
{
    public static readonly JobKey Key = new("csv-exports");

    /// Starts the job now (a new export) when this host runs a scheduler; otherwise the export
    /// waits, saved as queued, for a host that does.
    public static async Task TriggerAsync(IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<ISchedulerFactory>() is not { } factory)
        {
            return;
        }

        var scheduler = await factory.GetScheduler(ct);
        if (await scheduler.GetJobDetail(Key, ct) is not null)
        {
            await scheduler.TriggerJob(Key, ct);
        }
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var run = await exports.HandleAsync(cancellationToken);
        if (run.Ready + run.Failed + run.FilesDeleted > 0)
        {
            log.LogInformation("Export run: {Ready} ready, {Failed} failed, {Deleted} expired files deleted", run.Ready, run.Failed, run.FilesDeleted);
        }
    }
}

/// Folds the tab counters' deltas into the counters (PostgreSQL; see Custos.Data/Counting/README.md).
/// Counts are exact without it; it keeps the delta table short so counting stays cheap.
[DisallowConcurrentExecution]
public sealed class CountRollUpJob(AppDbContext db) : IJob
{
    public static readonly JobKey Key = new("organization-count-rollup");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await OrganizationCounters.RollUpAsync(db, cancellationToken);
}

/// Hands due outbox messages to the mail transport (see Hosting/Mail/README.md). One run at a time
/// across the cluster; a server that is down ends the run and the next run tries again.
[DisallowConcurrentExecution]
public sealed class MailDeliveryJob(OutboxDelivery delivery, ILogger<MailDeliveryJob> log) : IJob
{
    public static readonly JobKey Key = new("deliver-outbox");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var run = await delivery.RunAsync(cancellationToken);
        if (run.DidAnything)
        {
            log.LogInformation(
                "Mail delivery run: {Sent} sent, {Retrying} to retry, {Failed} failed{Stopped}",
                run.Sent, run.Retrying, run.Failed, run.ServerUnavailable ? "; stopped: the server is unavailable" : "");
        }
    }
}

/// Sends due webhook deliveries (see Custos.ControlPlane/Webhooks/README.md). One run at a time
/// across the cluster; each attempt is also claimed in the database, so even two runs never repeat one.
[DisallowConcurrentExecution]
public sealed class WebhookDeliveryJob(DeliverWebhooks deliver, ILogger<WebhookDeliveryJob> log) : IJob
{
    public static readonly JobKey Key = new("deliver-webhooks");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var run = await deliver.RunAsync(cancellationToken);
        if (run.DidAnything)
        {
            log.LogInformation("Webhook run: {Delivered} delivered, {Retrying} to retry, {Failed} given up, {Disabled} endpoints disabled",
                run.Delivered, run.Retrying, run.Failed, run.Disabled);
        }
    }
}
