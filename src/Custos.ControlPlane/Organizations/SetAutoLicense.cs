using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Organizations;

/// Turning auto license off needs the seat number to fall back to.
public sealed class SetAutoLicense(OrganizationCommands commands)
{
    public Task<Result> HandleAsync(OrganizationCommand command, bool enabled, int? seats, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.OrganizationAutoLicenseChanged, (o, now) => o.SetAutoLicense(enabled, seats, now), ct);
}
