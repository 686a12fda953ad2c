using Custos.ControlPlane.Organizations;
using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Backup;

/// How many backup runs a day the organization gets (1 to 12). The host re-creates the
/// organization's schedule after a success.
public sealed class SetBackupRunsPerDay(OrganizationCommands commands)
{
    public Task<Result> HandleAsync(OrganizationCommand command, int runsPerDay, CancellationToken ct) =>
        commands.RunAsync(command, AuditEventType.BackupRunsPerDayChanged, (o, now) => o.SetBackupRunsPerDay(runsPerDay, now), ct);
}
