using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task Lifecycle_ThroughUseCases_OneHistoryRowPerDayAndOneAuditRowPerSuccess()
    {
        var day1 = NextDay();
        var id = await CreateOrgAsync();
        var folder = WriteBlobs(id);
        var cmd = Command(id);

        // Day 1: suspend, then reactivate an hour later.
        (await RunAsync(CommandKind.Suspend, cmd)).ShouldBeNull();
        (await LoadAsync(id)).Status.ShouldBe(OrganizationStatus.Suspended);
        Clock.Advance(TimeSpan.FromHours(1));
        (await RunAsync(CommandKind.Reactivate, cmd)).ShouldBeNull();
        (await RunAsync(CommandKind.Reactivate, cmd)).ShouldBeOfType<TransitionNotAllowed>();

        // Day 2: unsubscribe (purge date from the platform setting), then reactivate before it.
        var day2 = NextDay();
        (await RunAsync(CommandKind.Unsubscribe, cmd)).ShouldBeNull();
        var settings = await ReadAsync(db => db.PlatformSettings.AsNoTracking().SingleAsync());
        settings.UnsubscribeGraceDays.ShouldBe(45);
        var unsubscribed = await LoadAsync(id);
        unsubscribed.Status.ShouldBe(OrganizationStatus.Unsubscribed);
        unsubscribed.UnsubscribedAt.ShouldBe(day2);
        unsubscribed.PurgeDueAt.ShouldBe(day2 + TimeSpan.FromDays(settings.UnsubscribeGraceDays));
        unsubscribed.BillingEndsAt.ShouldBe(unsubscribed.PurgeDueAt);
        (await ChangeSeatsAsync(cmd, 11)).Error.ShouldBeOfType<TransitionNotAllowed>();
        Clock.Advance(TimeSpan.FromHours(2));
        (await RunAsync(CommandKind.Reactivate, cmd)).ShouldBeNull();
        var reactivated = await LoadAsync(id);
        reactivated.Status.ShouldBe(OrganizationStatus.Active);
        reactivated.PurgeDueAt.ShouldBeNull();
        reactivated.UnsubscribedAt.ShouldBeNull();

        // Day 3: Backup → Archiver is an upgrade; Archiver → Backup is refused; seats never below usage.
        var day3 = NextDay();
        (await ChangePlanAsync(cmd, Seed.Archiver)).ShouldSucceed();
        var refused = (await ChangePlanAsync(cmd, Seed.Backup)).Error.ShouldBeOfType<PlanChangeRefused>();
        refused.From.ShouldBe(PlanType.Archiver);
        refused.To.ShouldBe(PlanType.Backup);
        await RecordUsageAsync(id, seatsInUse: 8);
        (await ChangeSeatsAsync(cmd, 5)).Error.ShouldBeOfType<SeatsBelowUsage>().InUse.ShouldBe(8);
        (await ChangeSeatsAsync(cmd, 12)).ShouldSucceed();

        // Day 4: delete; the data is purged at once and nothing changes afterwards.
        var day4 = NextDay();
        (await DeleteAsync(cmd)).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);
        (await RunAsync(CommandKind.Reactivate, cmd)).ShouldBeOfType<TransitionNotAllowed>();
        (await RunAsync(CommandKind.Delete, cmd)).ShouldBeOfType<AlreadyDeleted>();
        (await ChangeSeatsAsync(cmd, 20)).Error.ShouldBeOfType<AlreadyDeleted>();

        var org = await LoadAsync(id);
        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.PlanType.ShouldBe(PlanType.Archiver);
        org.Seats.ShouldBe(12);
        org.DeletedAt.ShouldBe(day4);
        org.PurgedAt.ShouldBe(day4);
        Directory.Exists(folder).ShouldBeFalse();

        var history = await HistoryOfAsync(id);
        history.Select(h => (h.Day, h.Status, h.PlanType, h.Seats)).ShouldBe(
        [
            (DayOf(day1), OrganizationStatus.Active, PlanType.Backup, DefaultSeats),
            (DayOf(day2), OrganizationStatus.Active, PlanType.Backup, DefaultSeats),
            (DayOf(day3), OrganizationStatus.Active, PlanType.Archiver, 12),
            (DayOf(day4), OrganizationStatus.Deleted, PlanType.Archiver, 12),
        ]);
        history[0].RecordedAt.ShouldBe(day1 + TimeSpan.FromHours(1));
        history[1].RecordedAt.ShouldBe(day2 + TimeSpan.FromHours(2));

        var audit = await AuditOfAsync(id);
        audit.Select(a => a.EventType).ShouldBe(
        [
            AuditEventType.OrganizationCreated,
            AuditEventType.OrganizationSuspended,
            AuditEventType.OrganizationReactivated,
            AuditEventType.OrganizationUnsubscribed,
            AuditEventType.OrganizationReactivated,
            AuditEventType.OrganizationPlanChanged,
            AuditEventType.OrganizationSeatsChanged,
            AuditEventType.OrganizationDeleted,
            AuditEventType.OrganizationPurged,
        ]);
        audit.SkipLast(1).ShouldAllBe(a => a.ActorId == Ann.Id && a.ActorName == Ann.Name);
        audit[^1].ActorId.ShouldBe(Actor.System.Id);
        AssertAuditChain(audit);
    }

    [Fact]
    public async Task Reactivate_AtPurgeDate_PurgeDatePassed()
    {
        var id = await CreateOrgAsync();
        var unsubscribedAt = Clock.GetUtcNow();
        (await RunAsync(CommandKind.Unsubscribe, Command(id))).ShouldBeNull();
        Clock.SetUtcNow(unsubscribedAt + Grace);

        var error = await RunAsync(CommandKind.Reactivate, Command(id));

        error.ShouldBeOfType<PurgeDatePassed>().PurgeDueAt.ShouldBe(unsubscribedAt + Grace);
        (await LoadAsync(id)).Status.ShouldBe(OrganizationStatus.Unsubscribed);
    }

    [Fact]
    public async Task UpdatePersonalInfo_EmailOfAnotherLiveOrganization_EmailTakenAndNothingChanged()
    {
        var tag = NewTag();
        (await CreateAsync(Seed.Foreign, Seed.Backup, NewOrg(Seed.Backup, Info(tag)))).ShouldSucceed();
        var id = await CreateOrgAsync();
        var before = await LoadAsync(id);
        var rows = await CountRowsAsync();

        var error = await UseAsync<Organizations.UpdatePersonalInfo, Domain.Result>(u =>
            u.HandleAsync(Command(id), Info(NewTag(), email: $" OWNER.{tag}@example.com"), default));

        error.Error.ShouldBeOfType<EmailTaken>();
        await ShouldBeUnchangedAsync(id, before);
        (await CountRowsAsync()).ShouldBe(rows);
    }

    /// Each audit entry must start from the exact state the previous one left (its snapshot includes
    /// the version): a gap would be a lost update.
    private static void AssertAuditChain(IReadOnlyList<AuditEntry> audit)
    {
        audit[0].EventType.ShouldBe(AuditEventType.OrganizationCreated);
        for (var k = 1; k < audit.Count; k++)
        {
            audit[k].Before.ShouldBe(audit[k - 1].After, $"audit entry {k} ({audit[k].EventType}) did not start from the state entry {k - 1} left");
        }
    }
}
