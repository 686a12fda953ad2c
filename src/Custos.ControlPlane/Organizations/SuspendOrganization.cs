using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Organizations;

public sealed class SuspendOrganization(OrganizationCommands commands, LifecycleNotices notices)
{
    public Task<Result> HandleAsync(OrganizationCommand command, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.OrganizationSuspended, (o, now) => o.Suspend(now), ct,
            (o, c) => notices.AddAsync(o, LifecycleNotice.Suspended, c));
}
