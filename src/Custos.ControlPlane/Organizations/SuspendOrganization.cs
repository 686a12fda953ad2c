using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Organizations;

public sealed class SuspendOrganization(OrganizationCommands commands)
{
    public Task<Result> HandleAsync(OrganizationCommand command, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.OrganizationSuspended, (o, now) => o.Suspend(now), ct);
}
