using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Organizations;

public sealed class ReactivateOrganization(OrganizationCommands commands, LifecycleNotices notices)
{
    public Task<Result> HandleAsync(OrganizationCommand command, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.OrganizationReactivated, (o, now) => o.Reactivate(now), ct,
            (o, c) => notices.AddAsync(o, LifecycleNotice.Reactivated, c));
}
