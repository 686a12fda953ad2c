using Custos.Domain.Organizations;
using Custos.Domain.Partners;

namespace Custos.Domain.Backup;

/// When an organization's backups run, and whether its status lets them run at all.
public static class BackupSchedule
{
    public const int DefaultRunsPerDay = 3;
    public const int MinRunsPerDay = 1;
    public const int MaxRunsPerDay = 12;

    /// A failed run is tried again this long after it failed, at most <see cref="MaxRetries"/> times.
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(30);

    public const int MaxRetries = 3;

    /// Whether backups may run now: Active runs; Suspended pauses unless the partner keeps
    /// suspended organizations backing up; Unsubscribed and Deleted stop.
    public static bool MayRun(OrganizationStatus status, bool isPurged, bool keepBackingUpSuspended) =>
        !isPurged && status switch
        {
            OrganizationStatus.Active => true,
            OrganizationStatus.Suspended => keepBackingUpSuspended,
            _ => false,
        };

    public static bool MayRun(Organization organization, Partner partner) =>
        MayRun(organization.Status, organization.IsPurged, partner.KeepBackingUpSuspended);

    /// Why backups do not run in this status, for the partner; null when they may run.
    public static string? WhyNot(OrganizationStatus status, bool isPurged, bool keepBackingUpSuspended) =>
        MayRun(status, isPurged, keepBackingUpSuspended) ? null : status switch
        {
            OrganizationStatus.Suspended => "The organization is suspended: its backups are paused until it is reactivated.",
            OrganizationStatus.Unsubscribed => "The organization is unsubscribed: its backups have stopped.",
            _ => "The organization is deleted: its backups have stopped.",
        };

    /// The run times of a day: <paramref name="runsPerDay"/> evenly spaced, shifted by a fixed offset
    /// drawn from the organization's ID so organizations do not all start at once.
    public static TimeSpan Interval(int runsPerDay) => TimeSpan.FromTicks(TimeSpan.TicksPerDay / Math.Clamp(runsPerDay, MinRunsPerDay, MaxRunsPerDay));

    /// The organization's offset inside one interval (deterministic, spread over the whole interval).
    public static TimeSpan Offset(Guid organizationId, int runsPerDay)
    {
        var bytes = organizationId.ToByteArray();
        var spread = BitConverter.ToUInt64(bytes, 8) ^ BitConverter.ToUInt64(bytes, 0);
        var interval = Interval(runsPerDay).Ticks / TimeSpan.TicksPerSecond;
        return TimeSpan.FromSeconds((long)(spread % (ulong)interval));
    }

    /// The first run time at or after <paramref name="now"/>.
    public static DateTimeOffset NextRun(Guid organizationId, int runsPerDay, DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var day = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
        var interval = Interval(runsPerDay);
        var at = day + Offset(organizationId, runsPerDay);
        while (at < utc)
        {
            at += interval;
        }

        return at;
    }
}

/// The runs per day are out of range.
public sealed record BackupRunsPerDayOutOfRange()
    : Error("backup_runs_per_day_out_of_range",
        $"Choose from {BackupSchedule.MinRunsPerDay} to {BackupSchedule.MaxRunsPerDay} backup runs a day.")
{
    public override string? Field => "runsPerDay";
}
