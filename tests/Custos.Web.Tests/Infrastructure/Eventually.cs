using System.Diagnostics;

namespace Custos.Web.Tests.Infrastructure;

/// Polls for an outcome that background work (the scheduler, the host's startup) produces. Bounded,
/// and the bound is only a safety net: tests assert the outcome, never how long it took.
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(200);

    public static async Task<T> Async<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var seen = await probe();
            if (done(seen))
            {
                return seen;
            }

            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}; last seen: {seen}");
            }

            await Task.Delay(Step);
        }
    }

    public static Task Async(Func<bool> done, string what, TimeSpan? timeout = null) =>
        Async(() => Task.FromResult(done()), d => d, what, timeout);
}
