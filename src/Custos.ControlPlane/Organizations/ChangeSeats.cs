using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Organizations;

public sealed class ChangeSeats(OrganizationCommands commands)
{
    public Task<Result> HandleAsync(OrganizationCommand command, int seats, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.OrganizationSeatsChanged, (o, now) => o.ChangeSeats(seats, now), ct);
}
