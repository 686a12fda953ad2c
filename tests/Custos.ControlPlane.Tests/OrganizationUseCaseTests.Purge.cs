using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task PurgeDue_AtExactlyPurgeDate_DeletesAndPurgesOnce()
    {
        var id = await CreateOrgAsync();
        var folder = WriteBlobs(id);
        var unsubscribedAt = Clock.GetUtcNow();
        (await RunAsync(CommandKind.Unsubscribe, Command(id))).ShouldBeNull();
        var purgeDate = unsubscribedAt + Grace;
        Clock.SetUtcNow(purgeDate);

        var run = await PurgeDueAsync();

        run.Purged.ShouldBeGreaterThanOrEqualTo(1); // other tests' organizations may fall due too
        var org = await LoadAsync(id);
        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.DeletedAt.ShouldBe(purgeDate);
        org.PurgedAt.ShouldBe(purgeDate);
        org.BillingEndsAt.ShouldBe(purgeDate);
        org.StorageUsedBytes.ShouldBe(0);
        Directory.Exists(folder).ShouldBeFalse();
        var audit = await AuditOfAsync(id);
        audit.Select(a => a.EventType).ShouldBe(
        [
            AuditEventType.OrganizationCreated,
            AuditEventType.OrganizationUnsubscribed,
            AuditEventType.OrganizationDeleted,
            AuditEventType.OrganizationPurged,
        ]);
        audit.Skip(2).ShouldAllBe(a => a.ActorId == Actor.System.Id);
        AssertAuditChain(audit);
        (await HistoryOfAsync(id))[^1].Status.ShouldBe(OrganizationStatus.Deleted);

        var again = await PurgeDueAsync();

        again.Purged.ShouldBe(0);
        (await AuditOfAsync(id)).Count.ShouldBe(audit.Count);
    }

    [Fact]
    public async Task PurgeDue_WhenDpoMustApprove_AsksOnceThenWaitsOutOfTheBatchUntilApproved()
    {
        var id = await CreateOrgAsync();
        var folder = WriteBlobs(id);
        await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var tracked = await db.Organizations.SingleAsync(o => o.Id == id);
            tracked.SetDpo(true, Clock.GetUtcNow()).IsSuccess.ShouldBeTrue();
            return await db.SaveChangesAsync();
        });
        (await RunAsync(CommandKind.Unsubscribe, Command(id))).ShouldBeNull();
        Clock.Advance(Grace);

        await PurgeDueAsync();
        var asked = await LoadAsync(id);
        asked.PendingDpoAction.ShouldBe(PendingDpoAction.Purge);
        asked.Status.ShouldBe(OrganizationStatus.Unsubscribed);

        // Waiting for approval, it no longer takes a place in every batch.
        (await PurgeDueAsync()).AwaitingApproval.ShouldBe(0);
        Directory.Exists(folder).ShouldBeTrue();

        await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var tracked = await db.Organizations.SingleAsync(o => o.Id == id);
            tracked.ApproveByDpo(Clock.GetUtcNow()).Error.ShouldBeNull();
            return await db.SaveChangesAsync();
        });
        await PurgeDueAsync();

        var purged = await LoadAsync(id);
        purged.Status.ShouldBe(OrganizationStatus.Deleted);
        purged.PurgedAt.ShouldNotBeNull();
        Directory.Exists(folder).ShouldBeFalse();
        (await AuditOfAsync(id)).Count(a => a.EventType == AuditEventType.OrganizationPurgeAwaitingApproval).ShouldBe(1);
    }

    [Fact]
    public async Task PurgeDue_OneTickBeforePurgeDate_PurgesNothing()
    {
        var id = await CreateOrgAsync();
        var folder = WriteBlobs(id);
        var unsubscribedAt = Clock.GetUtcNow();
        (await RunAsync(CommandKind.Unsubscribe, Command(id))).ShouldBeNull();
        Clock.SetUtcNow(unsubscribedAt + Grace - TimeSpan.FromTicks(1));

        await PurgeDueAsync();

        var org = await LoadAsync(id);
        org.Status.ShouldBe(OrganizationStatus.Unsubscribed);
        org.PurgedAt.ShouldBeNull();
        Directory.Exists(folder).ShouldBeTrue();
        (await AuditOfAsync(id)).Count.ShouldBe(2);

        Clock.Advance(TimeSpan.FromTicks(1));
        await PurgeDueAsync();

        (await LoadAsync(id)).PurgedAt.ShouldBe(unsubscribedAt + Grace);
        Directory.Exists(folder).ShouldBeFalse();
    }

    [Fact]
    public async Task PurgeDue_PurgeInterruptedAfterStatusChange_NextRunCompletesIt()
    {
        var id = await CreateOrgAsync();
        var folder = WriteBlobs(id);
        var unsubscribedAt = Clock.GetUtcNow();
        (await RunAsync(CommandKind.Unsubscribe, Command(id))).ShouldBeNull();
        Clock.SetUtcNow(unsubscribedAt + Grace);
        fixture.Purger.InterruptNext(id);

        await PurgeDueAsync();

        var interrupted = await LoadAsync(id);
        interrupted.Status.ShouldBe(OrganizationStatus.Deleted);
        interrupted.PurgedAt.ShouldBeNull();
        Directory.Exists(folder).ShouldBeTrue();

        Clock.Advance(TimeSpan.FromMinutes(1));
        var run = await PurgeDueAsync();

        run.Purged.ShouldBeGreaterThanOrEqualTo(1);
        var org = await LoadAsync(id);
        org.PurgedAt.ShouldBe(unsubscribedAt + Grace + TimeSpan.FromMinutes(1));
        org.DeletedAt.ShouldBe(unsubscribedAt + Grace);
        Directory.Exists(folder).ShouldBeFalse();
        var audit = await AuditOfAsync(id);
        audit.Count(a => a.EventType == AuditEventType.OrganizationDeleted).ShouldBe(1);
        audit.Count(a => a.EventType == AuditEventType.OrganizationPurged).ShouldBe(1);
        (await PurgeDueAsync()).Purged.ShouldBe(0);
    }

    [Fact]
    public async Task PurgeDue_OnePurgeFails_OthersInTheBatchStillPurged()
    {
        var first = await CreateOrgAsync();
        var second = await CreateOrgAsync();
        var firstFolder = WriteBlobs(first);
        var secondFolder = WriteBlobs(second);
        var unsubscribedAt = Clock.GetUtcNow();
        (await RunAsync(CommandKind.Unsubscribe, Command(first))).ShouldBeNull();
        Clock.Advance(TimeSpan.FromSeconds(1)); // the failing one comes first in the batch
        (await RunAsync(CommandKind.Unsubscribe, Command(second))).ShouldBeNull();
        Clock.SetUtcNow(unsubscribedAt + Grace + TimeSpan.FromSeconds(1));
        fixture.Purger.InterruptNext(first);

        await PurgeDueAsync();

        (await LoadAsync(first)).PurgedAt.ShouldBeNull();
        Directory.Exists(firstFolder).ShouldBeTrue();
        (await LoadAsync(second)).PurgedAt.ShouldNotBeNull();
        Directory.Exists(secondFolder).ShouldBeFalse();

        await PurgeDueAsync();

        (await LoadAsync(first)).PurgedAt.ShouldNotBeNull();
        Directory.Exists(firstFolder).ShouldBeFalse();
    }

    [Fact]
    public async Task Delete_ActiveOrganization_PurgedAtOnce()
    {
        var id = await CreateOrgAsync();
        var folder = WriteBlobs(id);
        var now = Clock.GetUtcNow();

        (await DeleteAsync(Command(id))).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);

        var org = await LoadAsync(id);
        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.PurgedAt.ShouldBe(now);
        org.BillingEndsAt.ShouldBe(Organization.StartOfNextMonth(now));
        Directory.Exists(folder).ShouldBeFalse();
        var audit = await AuditOfAsync(id);
        audit.Select(a => a.EventType).ShouldBe(
        [
            AuditEventType.OrganizationCreated,
            AuditEventType.OrganizationDeleted,
            AuditEventType.OrganizationPurged,
        ]);

        await PurgeDueAsync(); // the job leaves an organization that is already purged alone

        (await AuditOfAsync(id)).Count.ShouldBe(audit.Count);
        (await LoadAsync(id)).PurgedAt.ShouldBe(now);
    }

    [Fact]
    public async Task Delete_PurgeInterrupted_OrganizationDeletedAndPurgeJobCompletesIt()
    {
        var id = await CreateOrgAsync();
        var folder = WriteBlobs(id);
        var deletedAt = Clock.GetUtcNow();
        fixture.Purger.InterruptNext(id);

        // Broken storage does not undo or fail the deletion: it is committed, and the job retries the purge.
        (await DeleteAsync(Command(id))).Value.ShouldBe(DeleteOutcome.Deleted);

        var interrupted = await LoadAsync(id);
        interrupted.Status.ShouldBe(OrganizationStatus.Deleted);
        interrupted.PurgedAt.ShouldBeNull();
        Directory.Exists(folder).ShouldBeTrue();
        (await DeleteAsync(Command(id))).Error.ShouldBeOfType<AlreadyDeleted>();

        Clock.Advance(TimeSpan.FromMinutes(1));
        await PurgeDueAsync();

        var org = await LoadAsync(id);
        org.DeletedAt.ShouldBe(deletedAt);
        org.PurgedAt.ShouldBe(deletedAt + TimeSpan.FromMinutes(1));
        Directory.Exists(folder).ShouldBeFalse();
        var audit = await AuditOfAsync(id);
        audit.Select(a => a.EventType).ShouldBe(
        [
            AuditEventType.OrganizationCreated,
            AuditEventType.OrganizationDeleted,
            AuditEventType.OrganizationPurged,
        ]);
        AssertAuditChain(audit);
    }
}
