using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Organizations;

/// Edits the owner's names, email, country and the organization's name. A new email changes how the
/// owner signs in; uniqueness is checked as at creation.
public sealed class UpdatePersonalInfo(OrganizationCommands commands)
{
    public Task<Result> HandleAsync(OrganizationCommand command, PersonalInfo info, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.OrganizationPersonalInfoUpdated, (o, now) => o.UpdatePersonalInfo(info, now), ct);
}
