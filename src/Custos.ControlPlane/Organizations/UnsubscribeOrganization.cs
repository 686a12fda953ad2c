using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Stops backups and schedules the purge after the platform's grace window (45 days by default);
/// the notice tells the purge date.
public sealed class UnsubscribeOrganization(AppDbContext db, OrganizationCommands commands, LifecycleNotices notices)
{
    public async Task<Result> HandleAsync(OrganizationCommand command, CancellationToken ct)
    {
        var settings = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        return await commands.RunAsync(
            command, AuditEventType.OrganizationUnsubscribed, (o, now) => o.Unsubscribe(now, settings.Grace), ct,
            (o, c) => notices.AddAsync(o, LifecycleNotice.Unsubscribed, c));
    }
}
