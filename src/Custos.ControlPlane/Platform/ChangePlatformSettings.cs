using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Platform;

public sealed record PlatformSettingsChangedMeanwhile()
    : Error("settings_changed_meanwhile", "Someone else saved the platform settings meanwhile; here they are now. Nothing was saved.");

/// The operator's platform settings: the days between Unsubscribe and purge (1–365, 45 by
/// default; organizations already unsubscribed keep their purge date) and whether new partners
/// start with "keep backing up suspended organizations" on.
public sealed class ChangePlatformSettings(AppDbContext db, TimeProvider clock)
{
    public const int MinGraceDays = 1;
    public const int MaxGraceDays = 365;

    public Task<PlatformSettings> GetAsync(CancellationToken ct) => db.PlatformSettings.AsNoTracking().SingleAsync(ct);

    public async Task<Result> HandleAsync(ActingUser acting, int? graceDays, bool keepBackingUpByDefault, int expectedVersion, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, acting, ct) is { } refused)
        {
            return refused;
        }

        if (graceDays is not { } days || days < MinGraceDays || days > MaxGraceDays)
        {
            return new ValidationFailed("graceDays", $"The grace window must be a whole number of days from {MinGraceDays} to {MaxGraceDays}.");
        }

        var settings = await db.PlatformSettings.SingleAsync(ct);
        if (settings.Version != expectedVersion)
        {
            return new PlatformSettingsChangedMeanwhile();
        }

        var before = new { graceDays = settings.UnsubscribeGraceDays, keepBackingUpSuspendedByDefault = settings.KeepBackingUpSuspendedByDefault };
        settings.UnsubscribeGraceDays = days;
        settings.KeepBackingUpSuspendedByDefault = keepBackingUpByDefault;
        settings.Version++;
        db.AuditEntries.Add(PlatformAdministration.Audit(AuditEventType.PlatformSettingsChanged, acting.Actor, clock.GetUtcNow(), null, before,
            new { graceDays = days, keepBackingUpSuspendedByDefault = keepBackingUpByDefault }));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new PlatformSettingsChangedMeanwhile();
        }

        return Result.Ok;
    }
}
