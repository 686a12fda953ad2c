namespace Custos.Domain.Organizations;

/// The rate limit on "Send reset password": at most <see cref="PerHour"/> links per organization in
/// any rolling hour, counted from the links themselves (so it survives restarts and holds across nodes).
public static class PasswordResets
{
    public const int PerHour = 3;

    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// Why no reset link may go out for <paramref name="organization"/> now, or null when one may:
    /// none while it is Deleted (nobody signs in any more) or Suspended (sign-in is refused until it
    /// is reactivated), and none beyond the hourly limit. Unsubscribed organizations may: their
    /// users still sign in to download their data until the purge date.
    public static Error? WhyNot(Organization organization, IReadOnlyCollection<DateTimeOffset> recentResets, DateTimeOffset now)
    {
        if (organization.Status is OrganizationStatus.Deleted or OrganizationStatus.Suspended)
        {
            return new PasswordResetRefused(organization.Status);
        }

        return NextAllowedAt(recentResets, now) is { } next ? new PasswordResetLimitReached(PerHour, next) : null;
    }

    /// Null when another link may go out now; otherwise the moment the oldest link in the window
    /// leaves it (and a new one is allowed again).
    public static DateTimeOffset? NextAllowedAt(IReadOnlyCollection<DateTimeOffset> issued, DateTimeOffset now)
    {
        var inWindow = issued.Where(t => t > now - Window).OrderDescending().ToList();
        return inWindow.Count < PerHour ? null : inWindow[PerHour - 1] + Window;
    }

    /// The first whole minute (UTC) at or after <paramref name="at"/>: what a message may promise.
    public static DateTime Minute(DateTimeOffset at)
    {
        var t = at.UtcDateTime;
        var floor = new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        return floor == t ? floor : floor.AddMinutes(1);
    }
}

/// No reset link for an organization whose users cannot sign in.
public sealed record PasswordResetRefused(OrganizationStatus Status)
    : Error("password_reset_refused", Status == OrganizationStatus.Suspended
        ? "The organization is suspended: its users cannot sign in until it is reactivated, so no reset link was sent."
        : "The organization is deleted: its users can no longer sign in, so no reset link was sent.");

/// Too many links in the last hour.
public sealed record PasswordResetLimitReached(int PerHour, DateTimeOffset NextAllowedAt)
    : Error("password_reset_limit", $"A reset link was already sent {PerHour} times in the last hour for this organization. "
        + $"You can send another at {PasswordResets.Minute(NextAllowedAt):yyyy-MM-dd HH:mm} UTC.");

/// Another reset for the same organization was saved between this one's limit check and its save.
public sealed record PasswordResetRaced()
    : Error("password_reset_raced", "Another reset link for this organization was sent at the same moment; nothing more was sent.");
