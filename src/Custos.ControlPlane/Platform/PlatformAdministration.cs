using System.Text.Json;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Platform;

/// Shared by the operator console's use cases: their audit entries' JSON. Who may act is checked
/// against the database, as for entitlements (<see cref="Entitlements.EntitlementAdministration.RequireOperatorAsync"/>).
internal static class PlatformAdministration
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AuditEntry Audit(AuditEventType type, Actor actor, DateTimeOffset now, Guid? partnerId, object? before, object? after) =>
        AuditEntry.For(type, actor, now, partnerId, null,
            before is null ? null : JsonSerializer.Serialize(before, Json),
            after is null ? null : JsonSerializer.Serialize(after, Json));
}
