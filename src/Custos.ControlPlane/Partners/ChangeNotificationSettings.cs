using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

/// The acting partner's settings as last saved, with the version a form posts back.
public sealed record NotificationSettingsView(NotificationSettings Settings, int Version);

public sealed record ChangeNotificationSettingsRequest(ActingUser Acting, NotificationSettings Settings, int ExpectedVersion);

public sealed record NotificationSettingsNotAllowed()
    : Error("not_allowed", "Only owners and full administrators can change notification settings.");

public sealed record NotificationSettingsChangedMeanwhile()
    : Error("changed_meanwhile", "Someone else changed the notification settings meanwhile; here they are as saved now. Nothing was saved.");

/// Reads and changes the acting user's own partner's notification settings (never a sub-partner's:
/// each partner chooses for its own organizations). Changing needs an Owner or Full administrator
/// as the database knows them now; a stale form (another version) changes nothing.
public sealed class ChangeNotificationSettings(AppDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<NotificationSettingsView?> GetAsync(Guid partnerId, CancellationToken ct)
    {
        var partner = await db.Partners.AsNoTracking().SingleOrDefaultAsync(p => p.Id == partnerId, ct);
        return partner is null ? null : new NotificationSettingsView(partner.Notifications, partner.NotificationSettingsVersion);
    }

    public async Task<Result> HandleAsync(ChangeNotificationSettingsRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return new NotificationSettingsNotAllowed();
        }

        var admin = acting.Value!;
        var partner = await db.Partners.SingleAsync(p => p.Id == admin.PartnerId, ct);
        if (partner.NotificationSettingsVersion != request.ExpectedVersion)
        {
            return new NotificationSettingsChangedMeanwhile();
        }

        var before = partner.Notifications;
        var changed = partner.ChangeNotifications(request.Settings);
        if (!changed.IsSuccess)
        {
            return changed;
        }

        db.AuditEntries.Add(AuditEntry.For(
            AuditEventType.NotificationSettingsChanged, admin.Actor, clock.GetUtcNow(), partner.Id, null,
            JsonSerializer.Serialize(before, Json), JsonSerializer.Serialize(partner.Notifications, Json)));
        try
        {
            await db.SaveChangesAsync(ct);
            return Result.Ok;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new NotificationSettingsChangedMeanwhile();
        }
    }
}
