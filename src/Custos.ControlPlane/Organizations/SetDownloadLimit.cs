using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Organizations;

/// The largest PST export the organization's users may download, in whole GB.
public sealed class SetDownloadLimit(OrganizationCommands commands)
{
    public Task<Result> HandleAsync(OrganizationCommand command, int gb, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.OrganizationDownloadLimitChanged, (o, now) => o.SetDownloadLimit(gb, now), ct);
}
