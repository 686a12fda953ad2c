using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    private static readonly CommandKind[] ConflictingCommands =
        [CommandKind.Suspend, CommandKind.Reactivate, CommandKind.Unsubscribe, CommandKind.Delete];

    [Fact]
    public async Task LifecycleCommands_TwentyInParallel_NoLostUpdateAndAValidFinalState()
    {
        for (var round = 0; round < 4; round++)
        {
            var id = await CreateOrgAsync();
            if (round % 2 == 1)
            {
                (await RunAsync(CommandKind.Suspend, Command(id))).ShouldBeNull();
            }

            var folder = WriteBlobs(id);
            var before = (await AuditOfAsync(id)).Count;
            NextDay(); // so the racing commands also race to add today's history row

            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var racers = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            {
                var kind = ConflictingCommands[(i + round) % ConflictingCommands.Length];
                await using var scope = fixture.Services.CreateAsyncScope();
                await start.Task;
                return (Kind: kind, Error: await RunInAsync(scope.ServiceProvider, kind, Command(id)));
            })).ToList();
            start.SetResult();
            var results = await Task.WhenAll(racers);

            foreach (var (kind, error) in results)
            {
                (error is null or TransitionNotAllowed or AlreadyDeleted or ConcurrentChange)
                    .ShouldBeTrue($"{kind} failed with an unexpected error: {error}");
            }

            var succeeded = results.Where(r => r.Error is null).Select(r => r.Kind).ToList();
            succeeded.ShouldNotBeEmpty();
            var org = await LoadAsync(id);
            var audit = await AuditOfAsync(id);

            // One audit row per successful command (plus the purge that follows a delete), and the
            // rows replay as a valid sequence of transitions ending in the stored status.
            var commandRows = audit.Where(a => a.EventType != AuditEventType.OrganizationPurged).ToList();
            commandRows.Count.ShouldBe(before + succeeded.Count);
            foreach (var kind in ConflictingCommands)
            {
                commandRows.Count(a => a.EventType == EventOf(kind)).ShouldBe(
                    succeeded.Count(k => k == kind) + (kind == CommandKind.Suspend && round % 2 == 1 ? 1 : 0),
                    $"audit rows for {kind}");
            }

            AssertAuditChain(audit);
            Replay(audit).ShouldBe(org.Status);
            AssertConsistent(org, folder);
            audit.Count(a => a.EventType == AuditEventType.OrganizationPurged)
                .ShouldBe(org.Status == OrganizationStatus.Deleted ? 1 : 0);

            var history = await HistoryOfAsync(id);
            history.Select(h => h.Day).ShouldBeUnique();
            var last = history[^1];
            last.Day.ShouldBe(DayOf(Clock.GetUtcNow()));
            last.Status.ShouldBe(org.Status);
            last.PlanId.ShouldBe(org.PlanId);
            last.Seats.ShouldBe(org.Seats);
            last.AutoLicense.ShouldBe(org.AutoLicense);
        }
    }

    private static AuditEventType EventOf(CommandKind kind) => kind switch
    {
        CommandKind.Suspend => AuditEventType.OrganizationSuspended,
        CommandKind.Reactivate => AuditEventType.OrganizationReactivated,
        CommandKind.Unsubscribe => AuditEventType.OrganizationUnsubscribed,
        CommandKind.Delete => AuditEventType.OrganizationDeleted,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// Replays the audited transitions from Active, failing on any the rules forbid.
    private static OrganizationStatus Replay(IReadOnlyList<AuditEntry> audit)
    {
        var status = OrganizationStatus.Active;
        var purged = false;
        foreach (var entry in audit.Skip(1))
        {
            purged.ShouldBeFalse($"{entry.EventType} was recorded after the purge");
            status = (entry.EventType, status) switch
            {
                (AuditEventType.OrganizationSuspended, OrganizationStatus.Active) => OrganizationStatus.Suspended,
                (AuditEventType.OrganizationReactivated, OrganizationStatus.Suspended or OrganizationStatus.Unsubscribed) => OrganizationStatus.Active,
                (AuditEventType.OrganizationUnsubscribed, OrganizationStatus.Active or OrganizationStatus.Suspended) => OrganizationStatus.Unsubscribed,
                (AuditEventType.OrganizationDeleted, not OrganizationStatus.Deleted) => OrganizationStatus.Deleted,
                (AuditEventType.OrganizationPurged, OrganizationStatus.Deleted) => OrganizationStatus.Deleted,
                var (type, from) => throw new ShouldAssertException($"{type} is not a valid transition from {from}"),
            };
            purged = entry.EventType == AuditEventType.OrganizationPurged;
        }

        return status;
    }

    /// The facts that must hold together for each status.
    private static void AssertConsistent(Organization org, string folder)
    {
        switch (org.Status)
        {
            case OrganizationStatus.Active or OrganizationStatus.Suspended:
                org.UnsubscribedAt.ShouldBeNull();
                org.PurgeDueAt.ShouldBeNull();
                org.DeletedAt.ShouldBeNull();
                Directory.Exists(folder).ShouldBeTrue();
                break;
            case OrganizationStatus.Unsubscribed:
                org.PurgeDueAt.ShouldBe(org.UnsubscribedAt + Grace);
                org.DeletedAt.ShouldBeNull();
                Directory.Exists(folder).ShouldBeTrue();
                break;
            case OrganizationStatus.Deleted:
                org.DeletedAt.ShouldNotBeNull();
                org.PurgedAt.ShouldBe(org.DeletedAt);
                Directory.Exists(folder).ShouldBeFalse();
                break;
            default:
                throw new ShouldAssertException($"unknown status {org.Status}");
        }
    }
}
