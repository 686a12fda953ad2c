namespace Custos.Domain.Mail;

/// When a message that could not be delivered is tried again: the first retry after
/// <see cref="FirstDelay"/>, each later one after twice the previous wait up to <see cref="MaxDelay"/>,
/// and no more retries once the message is <see cref="GiveUpAfter"/> old.
public sealed record DeliveryRetry(TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan GiveUpAfter)
{
    /// 1 minute, 2, 4, … up to 1 hour between attempts; given up after 24 hours.
    public static DeliveryRetry Default { get; } = new(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromHours(24));

    /// The wait after the <paramref name="attempt"/>-th attempt (1 for the first).
    public TimeSpan DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var delay = FirstDelay;
        for (var i = 1; i < attempt && delay < MaxDelay; i++)
        {
            delay += delay;
        }

        return delay < MaxDelay ? delay : MaxDelay;
    }
}
