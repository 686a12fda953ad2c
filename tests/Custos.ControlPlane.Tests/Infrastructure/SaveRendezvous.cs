using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Custos.ControlPlane.Tests.Infrastructure;

/// Holds every SaveChanges until <c>parties</c> of them have arrived, then lets them all go. Two
/// creates that both reach SaveChanges have both passed the duplicate pre-check, so only the
/// database's unique index can stop the second one.
public sealed class SaveRendezvous : SaveChangesInterceptor
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _all = Completed();
    private int _waiting;

    /// Starts a new round: the next <paramref name="parties"/> saves wait for each other.
    public void Arm(int parties)
    {
        lock (_gate)
        {
            _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting = parties;
        }
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Task all;
        lock (_gate)
        {
            all = _all.Task;
            if (_waiting > 0 && --_waiting == 0)
            {
                _all.TrySetResult();
            }
        }

        // A generous bound so a broken test fails instead of hanging the run.
        await all.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
        return result;
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
