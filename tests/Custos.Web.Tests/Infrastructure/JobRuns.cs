using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Custos.Web.Tests.Infrastructure;

/// Counts the completed runs of one job in the host's scheduler, and keeps the exceptions any run
/// threw, so a test can wait for "a few more runs" instead of sleeping.
public sealed class JobRuns : IJobListener
{
    private readonly ConcurrentQueue<JobExecutionException> _failures = new();
    private int _completed;

    private JobRuns()
    {
    }

    public string Name { get; } = "custos-tests-" + Guid.NewGuid().ToString("N");

    public int Completed => Volatile.Read(ref _completed);

    public IReadOnlyList<JobExecutionException> Failures => [.. _failures];

    public static async Task<JobRuns> AttachAsync(CustosApp app, JobKey job)
    {
        var runs = new JobRuns();
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        scheduler.ListenerManager.AddJobListener(runs, [Matchers.Key(job)]);
        return runs;
    }

    /// Waits until <paramref name="count"/> more runs have completed than now.
    public Task WaitForMoreAsync(int count)
    {
        var target = Completed + count;
        return Eventually.Async(() => Task.FromResult(Completed), c => c >= target, $"{count} more completed runs of the job (to {target} in all)");
    }

    public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        if (jobException is not null)
        {
            _failures.Enqueue(jobException);
        }

        Interlocked.Increment(ref _completed);
        return ValueTask.CompletedTask;
    }
}
