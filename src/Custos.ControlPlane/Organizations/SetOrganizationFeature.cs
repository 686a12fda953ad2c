using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Organizations;

/// Turns one feature of the Features tab on or off. The rules (plan type, sales gating, Microsoft 365
/// admin credentials, WORM and the Data Protection Officer) live in <see cref="Organization.SetFeature"/>;
/// this only reads which sales-gated features the operator enabled for the organization.
public sealed class SetOrganizationFeature(AppDbContext db, OrganizationCommands commands)
{
    public async Task<Result> HandleAsync(OrganizationCommand command, OrganizationFeature feature, bool enabled, CancellationToken ct)
    {
        // Read before the scope check inside RunAsync: the set is only handed to the domain, never shown.
        IReadOnlySet<OrganizationFeature> entitled = enabled && OrganizationFeatures.IsSalesGated(feature)
            ? await db.EntitledFeaturesAsync(command.OrganizationId, ct)
            : new HashSet<OrganizationFeature>();
        var eventType = enabled ? AuditEventType.OrganizationFeatureTurnedOn : AuditEventType.OrganizationFeatureTurnedOff;
        return await commands.RunAsync(command, eventType, (o, now) => o.SetFeature(feature, enabled, entitled, now), ct);
    }
}
